"""The texts of RL006's findings."""

from __future__ import annotations

from collections.abc import Sequence


def names(models: Sequence[str]) -> str:
    """```a```, ```a` and `b```, ```a`, `b` and `c```."""
    shown = [f"`{m}`" for m in models]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def regularized(at: str) -> str:
    """``at``: "line 6", or "line 6 of `models.py`" for a model built in another module."""
    return f"the model built at {at} is regularized: its penalty is dropped"


REGULARIZER_IN_MODULE = "a regularizer is visible in this module: the model's penalty is dropped"
NO_REGULARIZER = "no regularizer is visible; any you add will be dropped here"


def read_before_tape(model: str, what: str) -> str:
    return (
        f"`{model}`.losses is read before the tape opens: the loss value "
        "includes the penalty but its gradient is zero; read it inside the "
        f"`with GradientTape()` block ({what})"
    )


def loss_call(func: str, fix: str, what: str) -> str:
    return (
        f"`{func}(...)` in a custom `train_step` leaves out "
        f"the regularization losses; {fix} ({what})"
    )


COMPILED_LOSS_FIX = (
    "pass `regularization_losses=self.losses` (Keras 2) or use `self.compute_loss(...)` (Keras 3)"
)
SELF_LOSS_FIX = (
    "use `self.compute_loss(x=x, y=y, y_pred=y_pred)`, which adds them, or add `sum(self.losses)`"
)


def dropped(models: Sequence[str], what: str, where: str = "") -> str:
    """The gradient is taken for ``models``' variables; their losses never reach the loss."""
    if len(models) == 1:
        whose, their = f"{names(models)}'s variables", "its"
    else:
        whose, their = f"the variables of {names(models)}", "their"
    add = " + ".join(f"sum({m}.losses)" for m in models)
    return (
        f"the gradient of a custom training step is taken for {whose}{where} but "
        f"{their} `.losses` never reach the loss inside the tape: the regularization "
        f"penalty does not train ({what}); add `{add}` to the loss inside the tape"
    )
