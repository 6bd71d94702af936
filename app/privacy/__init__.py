"""Personal data rights (个人信息保护法 Art. 45 and 47): a person's export of everything held about them, built in
the background as one JSON and ZIP (through app.casefile's archive builds), and account closure (注销), which
keeps what the law makes the court keep, de-identifies the rest and revokes every token.

It stands above the domains it reads (casefile, cases, identity, notifications, sms, audit). Other packages
import only what `__all__` names.
"""

__all__ = [
    "closure",
    "export",
]
