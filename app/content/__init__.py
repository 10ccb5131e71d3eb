"""Lessons and quizzes: loaded, checked and rendered once when the app starts."""

from pathlib import Path
from typing import cast

from flask import Flask, current_app

from app.content.loader import ContentError, Library, Module, load_library

__all__ = ["ContentError", "Library", "Module", "init_app", "library"]


def init_app(app: Flask, strict: bool = True) -> None:
    """Load content into the app. With strict (the default) invalid content stops the app from
    starting; `flask content check` loads non-strictly so it can print every problem."""
    try:
        app.extensions["dari_content"] = load_library(Path(app.config["CONTENT_ROOT"]))
    except ContentError as exc:
        if strict:
            raise
        app.extensions["dari_content"] = Library([])
        app.extensions["dari_content_error"] = exc


def library() -> Library:
    return cast(Library, current_app.extensions["dari_content"])
