"""Keep the cyclic garbage collector away from objects that live as long as the process.

litellm, torch, transformers and a loaded model leave about 700,000 tracked objects that
are never freed. Every full collection walks all of them: about 400 ms with the GIL held on
the machines we test on, which freezes the TUI and stalls every request in flight. Python
starts a full collection on its own whenever enough new objects survive, so during a long
run this happens again and again. Moving the loaded heap into the permanent generation
makes a full collection walk only what was created since.
"""

from __future__ import annotations

import gc


def freeze_loaded_heap() -> None:
    """Call after a heavy import or model load, once its objects are in place.

    Frozen objects are still freed when their reference count drops to zero; only cycles
    among them would be kept, so young garbage is collected first (a cheap, young-generation
    pass: a full pass would cost the very pause this avoids).
    """
    gc.collect(1)
    gc.freeze()
