"""Exporting a checkpoint's model to a file another runtime loads (docs/export.md): what the
exported graph computes (`graph`) and how each format is written and read back (`formats`)."""
