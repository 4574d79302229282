"""A local AWS emulator for trying a blueprint without an AWS account: moto's server on 127.0.0.1 with the
fixes to its CloudFormation that our nested sets need (patches.py), started by `python -m generator.emulator`
(`make moto`). The test suite's deploy harness runs the very same server and patches in process.

moto is an optional dependency (the `[emulator]` extra): nothing outside this package imports it, and
nothing in the package imports this one (both checked by lint-imports).
"""
