from typing import Any

# Fields and validators, as untyped as the rest of WTForms.
def __getattr__(name: str) -> Any: ...
