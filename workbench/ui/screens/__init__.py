"""One screen per module. The registry lives in workbench.ui.registry."""
