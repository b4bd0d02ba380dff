"""A short list of passwords too common to accept (the worst of the public breach top lists)."""

_WORST = """
password password1 password12 password123 passw0rd p@ssw0rd 12345678 123456789 1234567890 11111111
00000000 12341234 87654321 qwertyui qwerty12 qwerty123 qwertyuiop 1q2w3e4r 1q2w3e4r5t abc12345
abcd1234 abcdefgh iloveyou sunshine princess football baseball superman trustno1 whatever
letmein1 welcome1 welcome123 admin123 administrator changeme dragon12 monkey12 starwars
computer internet zaq12wsx asdfghjk asdf1234 aaaaaaaa qazwsxedc michael1 jennifer
bachata1 bachata123 salsa123 dancing1
"""

COMMON_PASSWORDS = frozenset(_WORST.split())
