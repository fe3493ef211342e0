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
}
