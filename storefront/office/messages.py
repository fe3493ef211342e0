# ruff: noqa: E501  (one translation per line, however long, so translators can read them side by side)
"""Chinese (simplified) for the back office's English texts. The back office is in Chinese and
English only; texts shared with the storefront (Sign in, E-mail address ...) come from
storefront/messages.py. tests/storefront/test_i18n.py keeps this catalog complete.
"""

from __future__ import annotations

OFFICE_ZH = {
    "Back office sign in": "管理后台登录",
    "For the platform's inspectors and administrators. Staff accounts are created by an administrator.": "供平台审核员和管理员使用。员工账号由管理员创建。",
    "This account is not a staff account.": "此账号不是员工账号。",
    "Signed in as {email}": "已登录：{email}",
    "INSPECTOR": "审核员",
    "ADMIN": "管理员",
    "For administrators": "仅限管理员",
    "This part of the back office is for administrators. Your account may review certificates.": "后台的这一部分仅供管理员使用。您的账号可以审核证书。",
    "Money back": "退款与争议",
    "Refunds": "退款",
    "Amount": "金额",
    "Reason": "原因",
    "Stripe refund": "Stripe 退款编号",
    "When": "时间",
    "Older": "更早",
    "No refunds yet.": "暂无退款。",
    "Card disputes": "银行卡争议（拒付）",
    "Evidence due": "举证截止",
    "Stripe dispute": "Stripe 争议编号",
    "No card disputes.": "暂无银行卡争议。",
    # Refund reasons as the orders service records them.
    "cancelled": "订单取消",
    "core deposit": "旧件押金",
    "part returned": "退货",
    "refunded in Stripe": "在 Stripe 中退款",
    # Supplier verification.
    "Supplier verification": "供应商认证",
    "All suppliers": "全部供应商",
    "Applied": "申请时间",
    "Decided": "决定时间",
    "No supplier in this state.": "没有处于此状态的供应商。",
    "The application": "申请信息",
    "Decision": "决定",
    "Reason (required to reject; the supplier reads it)": "原因（驳回时必填；供应商可见）",
    "Verify the supplier": "通过认证",
    "Reject": "驳回",
    "Withdraw the verification": "撤销认证",
    "Withdrawing takes the supplier's parts off sale until it is verified again.": "撤销后，该供应商的配件将下架，直至再次通过认证。",
    "Open the licence PDF": "打开营业执照 PDF",
    "No licence submitted yet.": "尚未提交营业执照。",
    "Verified. The supplier may now list parts and shows the verified badge.": "已通过认证。该供应商现在可以发布配件，并显示认证标识。",
    "Rejected. The supplier sees the reason and may apply again.": "已驳回。供应商可看到原因并可重新申请。",
    "Give the reason: the supplier reads it.": "请填写原因：供应商会看到。",
}
