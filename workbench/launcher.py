"""The ``workbench`` command's entry point (``[project.scripts]``, and ``python -m workbench``).

The one module above the UI: ``workbench.cli`` parses the command line and runs the
subcommands; when one asks for the terminal app (``workbench`` alone, ``workbench tui``,
``workbench review [RUN]``) it calls the opener given here, which imports the app. So the
dispatcher and the commands never import ``workbench.ui`` (an import-linter contract).
"""

from __future__ import annotations

import sys

from workbench.cli_support import TUIRequest


def open_tui(request: TUIRequest) -> int:
    """Run the terminal app on what the command asked for; its exit status."""
    # Imported here: a subcommand never waits for Textual and the screens' modules.
    from workbench.ui.app import WorkbenchApp

    app = WorkbenchApp(db_path=request.db_path, config_path=request.config_path, start_screen=request.start_screen)
    app.review_run_id = request.review_run_id  # read by ReviewScreen on mount
    app.run()
    return app.return_code or 0


def main(argv: list[str] | None = None) -> int:
    from workbench.cli import main as cli_main

    return cli_main(argv, tui=open_tui)


if __name__ == "__main__":
    sys.exit(main())
