"""The registers 注册库 and what their rules say: physicians, nurses and institutions (one module each), pure."""

from __future__ import annotations
