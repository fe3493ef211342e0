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
    # Refund reasons as the orders service records them.
    "cancelled": "订单取消",
    "core deposit": "旧件押金",
    "part returned": "退货",
    "refunded in Stripe": "在 Stripe 中退款",
}
