"""SiteWatch (publisher/disclosure.py): a channel whose push timed out cools down, for longer with every round of
time-outs in a row, is then probed by one batch with one push in flight, and is healthy again once its site answers."""
from __future__ import annotations

from publisher.disclosure import COOL_DOWN_SECONDS, MAX_COOL_DOWN_SECONDS, PUSHERS, SiteWatch
from publisher.egress import TIMEOUT_SECONDS


def test_a_healthy_channel_gets_every_pusher():
    assert SiteWatch().pushers("national", now=0.0) == PUSHERS


def test_the_pushes_of_one_round_count_as_one_time_out_and_the_channel_cools_down():
    watch = SiteWatch()
    for pusher in range(PUSHERS):  # eight connections, each timing out at about the same moment
        watch.timed_out("national", now=100.0 + pusher * 0.1)
    assert watch.pushers("national", now=100.0 + COOL_DOWN_SECONDS - 0.5) == 0
    assert watch.pushers("beijing", now=101.0) == PUSHERS  # another channel is not affected
    assert watch.hung() == ["national"]


def test_after_the_cool_down_one_batch_probes_with_one_push_and_the_others_still_wait():
    watch = SiteWatch()
    watch.timed_out("national", now=0.0)
    probe_at = COOL_DOWN_SECONDS + 0.1
    assert watch.pushers("national", now=probe_at) == 1
    assert watch.pushers("national", now=probe_at + 0.1) == 0  # a second batch meanwhile does not pile on
    assert watch.pushers("national", now=probe_at + TIMEOUT_SECONDS + 1.5) == 1  # the probe never reported: again


def test_each_round_of_time_outs_in_a_row_doubles_the_cool_down_up_to_its_ceiling():
    watch = SiteWatch()
    now = 0.0
    cool_downs = []
    for _ in range(12):
        watch.timed_out("national", now=now)
        waited = 0.0
        while watch.pushers("national", now=now + waited) == 0:
            waited += 0.5
        cool_downs.append(waited)
        now += waited + TIMEOUT_SECONDS  # the probe timed out too
    assert cool_downs[:3] == [COOL_DOWN_SECONDS, 2 * COOL_DOWN_SECONDS, 4 * COOL_DOWN_SECONDS]
    assert cool_downs[-1] == MAX_COOL_DOWN_SECONDS


def test_an_answer_makes_the_channel_healthy_again():
    watch = SiteWatch()
    watch.timed_out("national", now=0.0)
    watch.answered("national")
    assert watch.pushers("national", now=0.1) == PUSHERS and watch.hung() == []
