# ruff: noqa: E501  (one translation per line, however long, so translators can read them side by side)
"""Chinese (simplified) for the back office's English texts. The back office is in Chinese and
English only; texts shared with the storefront (Sign in, E-mail address ...) come from
storefront/messages.py. tests/storefront/test_i18n.py keeps this catalog complete.
"""

from __future__ import annotations

OFFICE_ZH = {
    "Amount": "金额",
    "Bank status": "银行状态",
    "Bank status report": "银行状态报告",
    "Bank status report {kind} imported": "已导入银行状态报告 {kind}",
    "Choose": "选择",
    "Choose the bank's status report file.": "请选择银行状态报告文件。",
    "Choose the statements to pay.": "请选择要付款的结算单。",
    "Created": "生成日期",
    "Download pain.001": "下载 pain.001",
    "End-to-end id": "端到端标识",
    "Execution date": "执行日期",
    "Import the bank's pain.002 or camt.054: paid transfers become paid, rejected or returned ones failed.": "导入银行的 pain.002 或 camt.054：已结算的转账标记为已付款，被拒绝或退回的标记为付款失败。",
    "No bank account": "未填写银行账户",
    "No statements yet.": "暂无结算单。",
    "One statement per supplier for delivered lines past the hold for returns; a line is never settled twice.": "为每个供应商生成一张结算单，包含已过退货保留期的已送达订单行；同一订单行不会重复结算。",
    "Pay {supplier}": "向 {supplier} 付款",
    "Run settlement": "执行结算",
    "Settlement run": "结算",
    "Settlement run: no delivered line is due yet.": "已执行结算：暂无到期的已送达订单行。",
    "Settlement run: statements for every delivered line past the hold.": "已执行结算：已为所有过了保留期的已送达订单行生成结算单。",
    "Statements": "结算单",
    "Status report (XML)": "状态报告（XML）",
    "Supplier": "供应商",
    "The file is too large.": "文件过大。",
    "This file had been imported before: nothing changed.": "此文件之前已导入：未做任何更改。",
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
}
