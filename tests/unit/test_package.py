"""infra/package.py picks wheels for the Lambda architecture asked for (x86_64 or arm64)."""

from __future__ import annotations

import pytest
from package import platform_args


@pytest.mark.parametrize(("architecture", "machine"), [("x86_64", "x86_64"), ("arm64", "aarch64")])
def test_wheels_are_chosen_for_the_lambda_architecture(architecture, machine):
    args = platform_args(architecture)

    platforms = [args[i + 1] for i, arg in enumerate(args) if arg == "--platform"]
    assert platforms == [f"manylinux2014_{machine}", f"manylinux_2_28_{machine}"]
    assert args[args.index("--python-version") + 1] == "3.12"


def test_an_unknown_architecture_is_refused():
    with pytest.raises(KeyError):
        platform_args("ppc64le")
