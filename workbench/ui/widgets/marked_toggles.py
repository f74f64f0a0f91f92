"""Check boxes, radio buttons and selection lists whose state shows as a mark, not only a colour.

Textual draws the same "X" (or "●") inside every toggle and tells on from off by colour
alone, which a colour-blind reader, a monochrome terminal or a screenshot loses. These show
"✓" (or "●") when on and a blank when off; everything else is Textual's widget.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Checkbox, RadioButton, SelectionList
from textual.widgets._toggle_button import ToggleButton

ON, OFF = "✓", " "


# Textual's BUTTON_INNER is a plain (writeable) class attribute; these widgets derive it from
# the value. Each property has a setter that refuses, as the bare property did, because mypy
# rejects a read-only property in place of a writeable attribute.
_FOLLOWS_VALUE = "the mark follows the toggle's value"


class MarkedCheckbox(Checkbox):
    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802 (Textual's name)
        return ON if self.value else OFF

    @BUTTON_INNER.setter
    def BUTTON_INNER(self, value: str) -> None:  # noqa: N802
        raise AttributeError(_FOLLOWS_VALUE)


class MarkedRadioButton(RadioButton):
    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802
        return "●" if self.value else OFF

    @BUTTON_INNER.setter
    def BUTTON_INNER(self, value: str) -> None:  # noqa: N802
        raise AttributeError(_FOLLOWS_VALUE)


class MarkedSelectionList(SelectionList):
    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        # SelectionList puts [left, inner, right, " ", prompt...]; the inner cell carries the
        # option's index in its style's meta.
        if len(segments) < 2 or segments[1].text != ToggleButton.BUTTON_INNER:
            return strip
        inner = segments[1]
        index = (inner.style.meta if inner.style else {}).get("option")
        if index is None:
            return strip
        selected = self.get_option_at_index(index).value in self._selected
        segments[1] = Segment(ON if selected else OFF, inner.style)
        return Strip(segments, strip.cell_length)
