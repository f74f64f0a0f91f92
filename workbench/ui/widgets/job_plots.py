"""Plots of a job: the training loss per step, and accuracy / macro-F1 per round (plotext)."""

from __future__ import annotations

from textual_plotext import PlotextPlot


class LossPlot(PlotextPlot):
    """Training loss, one point per optimisation step, rounds laid end to end."""

    def on_mount(self) -> None:
        super().on_mount()
        self.show([])

    def show(self, losses: list[float]) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("training loss (per step)")
        if losses:
            plt.plot(list(range(1, len(losses) + 1)), losses, marker="braille")
        plt.xlabel("step")
        self.refresh()


class ScorePlot(PlotextPlot):
    """Test accuracy and macro-F1 after each round (round 0 = the K-shot student)."""

    def on_mount(self) -> None:
        super().on_mount()
        self.show([], [], [])

    def show(self, rounds: list[int], accuracy: list[float], macro_f1: list[float],
             full_shot: float | None = None) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("test accuracy / macro-F1 per round")
        values = [*accuracy, *macro_f1] + ([full_shot] if full_shot is not None else [])
        if rounds:
            # Braille points: four rows of resolution per text row, enough for a short plot.
            plt.plot(rounds, accuracy, label="accuracy", marker="braille")
            plt.plot(rounds, macro_f1, label="macro-F1", marker="braille")
            ticks: list[float] = list(rounds)  # plotext's type; ints keep their labels (1, not 1.0)
            plt.xticks(ticks)
            if full_shot is not None:
                plt.hline(full_shot, "gray")
        if values:
            # Zoom on the range in play: differences of a few points must be visible.
            plt.ylim(max(0.0, min(values) - 0.05), min(1.0, max(values) + 0.05))
        plt.xlabel("round" + (" · grey line: full-shot accuracy" if full_shot is not None else ""))
        self.refresh()
