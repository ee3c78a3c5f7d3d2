# How the portal writes dates and times in Chinese (FORMAT_MODULE_PATH), beside Django's own:
# 2027年1月1日, 12月10日, 上午9:00. Templates use the `day`, `moment` and `clock` filters
# (branch_portal/templatetags/portal_format.py), which choose between these.
DATE_FORMAT = "Y年n月j日"
MONTH_DAY_FORMAT = "n月j日"
YEAR_MONTH_FORMAT = "Y年n月"
TIME_FORMAT = "Ag:i"
DATETIME_FORMAT = "Y年n月j日 Ag:i"
SHORT_DATE_FORMAT = "Y年n月j日"
SHORT_DATETIME_FORMAT = "Y年n月j日 Ag:i"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
