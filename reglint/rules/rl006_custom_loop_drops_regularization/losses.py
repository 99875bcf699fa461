"""Loss-expression analysis: is a model used inside the tape, and do its
``.losses`` reach the loss there (directly, through ``compute_loss``, or
through helpers and methods, in this module or, with cross-call analysis, another)?"""

from __future__ import annotations

from collections.abc import Callable

from .facts import CallFact, Cls, Facts, Fn

#: How many helper calls deep a model's use and its ``.losses`` are followed.
MAX_HELPER_DEPTH = 3

_Check = Callable[[str, Facts, "Cls | None", int], bool]


def covers(base: str, model: str) -> bool:
    """``self.losses`` also holds the losses of ``self.generator``."""
    return model == base or model.startswith(base + ".")


class Losses:
    def called_in(self, facts: Facts, model: str, cls: Cls | None = None, depth: int = 0) -> bool:
        """``model(...)`` or ``model.call(...)`` runs here or in a helper it is passed to."""
        for call in facts.calls:
            if call.func == model or call.func == f"{model}.call":
                return True
            if depth < MAX_HELPER_DEPTH and call.func is not None:
                helper = self.function(call.func, cls, facts.module)  # type: ignore[attr-defined]
                if helper is not None and self._helper_does(
                    facts, helper, call, model, cls, depth, self._called_check
                ):
                    return True
        return False

    def _called_check(self, model: str, facts: Facts, cls: Cls | None, depth: int) -> bool:
        return self.called_in(facts, model, cls, depth)

    def used(self, model: str, facts: Facts, cls: Cls | None, depth: int = 0) -> bool:
        for call in facts.calls:
            if call.func is not None and (call.func == model or call.func.startswith(model + ".")):
                return True
            if any(value is not None and covers(model, value) for _, value in call.args):
                return True
            if depth < MAX_HELPER_DEPTH and call.func is not None:
                helper = self.function(call.func, cls, facts.module)  # type: ignore[attr-defined]
                if helper is not None and self._helper_does(
                    facts, helper, call, model, cls, depth, self._used_check
                ):
                    return True
        return False

    def _used_check(self, model: str, facts: Facts, cls: Cls | None, depth: int) -> bool:
        return self.used(model, facts, cls, depth)

    def reaches(self, model: str, facts: Facts, cls: Cls | None, depth: int = 0) -> bool:
        if any(covers(base, model) for base, _ in facts.losses):
            return True
        for call in facts.calls:
            if call.func is None:
                continue
            owner, _, method = call.func.rpartition(".")
            if (
                method == "compute_loss"
                and owner
                and covers(owner, model)
                and self._keras_compute_loss(owner, cls)
            ):
                return True
            if depth < MAX_HELPER_DEPTH:
                helper = self.function(call.func, cls, facts.module)  # type: ignore[attr-defined]
                if helper is not None and self._helper_does(
                    facts, helper, call, model, cls, depth, self._reaches_check
                ):
                    return True
        return False

    def _reaches_check(self, model: str, facts: Facts, cls: Cls | None, depth: int) -> bool:
        return self.reaches(model, facts, cls, depth)

    def _keras_compute_loss(self, owner: str, cls: Cls | None) -> bool:
        """Is ``owner.compute_loss(...)`` Keras's, which adds the model's losses?

        On a model it is, unless the class overrides it without calling
        ``super().compute_loss`` or reading ``self.losses`` (the override is
        then followed as a helper). On ``self`` of a class known not to be a
        Keras model it is an ordinary method, followed as a helper."""
        if owner != "self" or cls is None:
            return True
        if self.keras_class(cls) is False:  # type: ignore[attr-defined]
            return False
        override = self.method(cls, "compute_loss")  # type: ignore[attr-defined]
        return (
            override is None
            or any(
                c.func == "super().compute_loss" or (c.func or "").endswith(".compute_loss")
                for c in override.calls
            )
            or any(covers(b, "self") for b, _ in override.losses)
        )

    def _helper_does(
        self,
        facts: Facts,
        helper: Fn,
        call: CallFact,
        model: str,
        cls: Cls | None,
        depth: int,
        check: _Check,
    ) -> bool:
        """Map ``model`` to the helper's own name for it, then ask ``check``."""
        params = list(helper.params)
        if helper.cls is not None and params and call.func and call.func.startswith("self."):
            params = params[1:]
        names = []
        position = 0
        for keyword, value in call.args:
            if keyword is None:
                param = params[position] if position < len(params) else None
                position += 1
            else:
                param = keyword if keyword in params else None
            if param is None or value is None:
                continue
            if value == model:
                names.append(param)
            elif model.startswith(value + "."):
                names.append(param + model[len(value) :])
        same_module = helper.module is facts.module
        if (same_module and model.split(".")[0] not in helper.params) or (
            model.startswith("self") and helper.cls is not None
        ):
            names.append(model)  # a global model, or self in a method
        return any(check(name, helper, helper.cls or cls, depth + 1) for name in names)
