"""Importing other tools' descriptions of an application as a blueprint: `blueprint import copilot DIR`.

Sits above the blueprint layer (it checks the values it writes against the model's patterns) and
never touches the stack builders: an import writes a blueprint, and the blueprint is built as any other.
"""

from generator.importing.workspace import Imported, NotAWorkspace, import_copilot

__all__ = ["Imported", "NotAWorkspace", "import_copilot"]
