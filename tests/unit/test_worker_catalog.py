"""The worker catalog (`workers/`): what each worker emits names real messages and queues, and
the files on disk are what the code says."""

from __future__ import annotations

from pathlib import Path

from videoshare.domain.events import EVENT_TYPE_NAMES
from videoshare.domain.webhooks import DELIVERY_TYPE
from videoshare.infra.topology import S3_NOTIFICATION, TOPIC, WEBHOOK_URL, topology
from videoshare.infra.worker_catalog import catalog_files
from videoshare.settings import Settings

WORKERS_DIR = Path(__file__).resolve().parents[2] / "workers"


def test_every_output_names_a_message_the_code_has_and_a_place_that_exists() -> None:
    consumers = topology(Settings()).consumers
    names = {queue.consumer for queue in consumers}
    for queue in consumers:
        for output in queue.emits:
            where = f"{queue.consumer} emits {output}"
            if output.to == TOPIC:
                assert output.message in EVENT_TYPE_NAMES, f"{where}: no such event"
            elif output.to == WEBHOOK_URL:
                assert output.message == DELIVERY_TYPE, where
            else:
                assert output.to in names, f"{where}: no such consumer"
                allowed = (*EVENT_TYPE_NAMES, DELIVERY_TYPE, S3_NOTIFICATION)
                assert output.message in allowed, where


def test_every_worker_declares_what_it_emits() -> None:
    assert all(queue.emits for queue in topology(Settings()).consumers)


def test_catalog_on_disk_matches_the_code() -> None:
    """Fails when the topology or the deployment change without `make workers`."""
    expected = catalog_files()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in WORKERS_DIR.iterdir()}
    assert set(on_disk) == set(expected), "run `make workers` to regenerate workers/"
    for name, content in expected.items():
        assert on_disk[name] == content, f"workers/{name} is stale: run `make workers`"
