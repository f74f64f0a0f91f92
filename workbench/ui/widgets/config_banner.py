"""A banner under the header of every screen while models.toml has errors.

It names the file, the line of each bad key and what to fix, and stays until the file is
fixed (the app re-reads the file when it changes). Meanwhile only the built-in models work.
"""

from __future__ import annotations

from textual.widgets import Static


class ConfigBanner(Static):
    DEFAULT_CSS = """
    ConfigBanner {
        height: auto; max-height: 7; padding: 0 1; background: $error 30%; color: $text;
        display: none;
    }
    ConfigBanner.-shown { display: block; }
    """

    def __init__(self, error: str | None = None, **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)
        self.show_error(error)

    def show_error(self, error: str | None) -> None:
        self.error = error
        self.set_class(bool(error), "-shown")
        if error:
            self.update("✗ models.toml has errors: built-in models only until it is fixed "
                        f"(saving the file reloads it)\n{error}")
        else:
            self.update("")
