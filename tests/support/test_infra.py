"""The helpers every process-level test stands on."""

from tests.support.infra import free_port


def test_a_free_port_is_never_handed_out_twice() -> None:
    # The system hands out a port it just freed again within a few hundred picks; three
    # services started on two ports answered each other's requests.
    ports = [free_port() for _ in range(1000)]
    assert len(set(ports)) == len(ports)
