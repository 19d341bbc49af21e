"""`tripod pack`: the break-glass zip, a client's current site that works from a USB stick."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

from generator.build.builder import DRAFT, Builder
from generator.files import remove_tree, replacing
from generator.project.record import ClientRecord


def pack(builder: Builder, record: ClientRecord, target: Path) -> Path:
    """The current site for file://, with the signed agreements inside."""
    client = record.client
    assert client is not None
    stage = builder.stage(f"pack-{client.id}")
    try:
        data, _ = builder.versions(record, packed=True)[0]
        out = stage / client.id
        builder.build_version(data, out, stage / ".docs", None, offline=True)
        builder.draft(record, out / DRAFT)
        for issued in record.issued:
            for _, path in issued.documents():
                agreements = out / "agreements"
                agreements.mkdir(exist_ok=True)
                shutil.copy2(path, agreements / f"{issued.label}-{path.name}")
        with replacing(target) as partial:
            _zip(out, partial, client.id, builder.today)
    finally:
        remove_tree(stage)
    return target


def _zip(folder: Path, target: Path, prefix: str, today: dt.date) -> None:
    stamp = (today.year, today.month, today.day, 0, 0, 0)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(f"{prefix}/{path.relative_to(folder).as_posix()}", stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, path.read_bytes())
