"""pipeline.audit_chain: the HMAC chain over the audit log and the first entry that breaks it."""

from pipeline.audit_chain import GENESIS, ChainKey, Sealed, canonical, chain_key, chain_keys, first_break, seal


def sealed_chain(key: ChainKey, count: int = 3) -> list[Sealed]:
    entries, previous = [], GENESIS
    for n in range(1, count + 1):
        content = {"id": n, "seq": n, "action": f"act{n}"}
        digest = seal(key, previous, content)
        entries.append(Sealed(n, n, content, previous, digest))
        previous = digest
    return entries


def test_the_audit_chain_names_the_first_broken_entry():
    key = chain_key("secret")
    entries = sealed_chain(key)
    assert first_break(key, entries) is None
    forged = Sealed(2, 2, {"id": 2, "seq": 2, "action": "forged"}, entries[1].prev_hash, entries[1].hash)
    changed = [entries[0], forged, entries[2]]
    assert (first_break(key, changed).id, first_break(key, changed).reason) == (2, "内容与哈希不符（条目被改动）")
    gap = first_break(key, [entries[0], entries[2]])
    assert (gap.id, gap.seq, gap.reason) == (3, 3, "链位置应为 2，实为 3（有条目被删除）")
    assert first_break(chain_key("another"), entries).id == 1


def test_a_relinked_entry_is_caught_by_its_link():
    key = chain_key("secret")
    entries = sealed_chain(key)
    relinked = Sealed(3, 3, entries[2].content, GENESIS, seal(key, GENESIS, entries[2].content))
    assert first_break(key, [*entries[:2], relinked]).reason == "前一条目的哈希不符（前一条目被改动、删除或替换）"


def test_an_empty_chain_is_whole_and_the_seal_ignores_key_order():
    key = chain_key("secret")
    assert first_break(key, []) is None
    assert seal(key, GENESIS, {"a": 1, "b": "乙"}) == seal(key, GENESIS, {"b": "乙", "a": 1})
    assert canonical({"b": "乙", "a": 1}) == '{"a":1,"b":"乙"}'.encode()
    assert len(GENESIS) == 64 and set(GENESIS) == {"0"}


def test_after_a_rotation_a_key_may_give_way_to_a_newer_one_never_back():
    old, new = chain_key("old-secret"), chain_key("new-secret")
    first = seal(old, GENESIS, {"n": 1})
    second = seal(new, first, {"n": 2})
    entries = [Sealed(1, 1, {"n": 1}, GENESIS, first), Sealed(2, 2, {"n": 2}, first, second)]
    assert first_break([new, old], entries) is None
    forged = seal(old, second, {"n": 3})  # someone holding only the retired key appends after a newer entry
    assert first_break([new, old], [*entries, Sealed(3, 3, {"n": 3}, second, forged)]).id == 3


def test_a_chain_shorter_than_its_newest_checkpoint_lost_its_newest_entries():
    key = chain_key("secret")
    first = seal(key, GENESIS, {"n": 1})
    second = seal(key, first, {"n": 2})
    entries = [Sealed(1, 1, {"n": 1}, GENESIS, first), Sealed(2, 2, {"n": 2}, first, second)]
    assert first_break(key, entries, {2: second}) is None
    cut = first_break(key, entries[:1], {2: second})
    assert cut is not None and "最新的条目被删除" in cut.reason
    assert "检查点" in first_break(key, entries, {2: "0" * 64}).reason


def test_new_entries_are_sealed_with_hmac_sm3_and_a_sha256_chain_from_before_goes_on_in_sm3():
    import hashlib
    import hmac

    sm3, sha256 = chain_key("secret"), chain_key("secret", "sha256")
    assert sm3.digest == "sm3" and sm3.key == hashlib.new("sm3", b"audit-chain:secret").digest()
    content = {"n": 1}
    assert seal(sm3, GENESIS, content) == hmac.new(sm3.key, GENESIS.encode() + b"\n" + canonical(content), "sm3").hexdigest()
    assert seal(sm3, GENESIS, content) != seal(sha256, GENESIS, content)
    first = seal(sha256, GENESIS, {"n": 1})  # sealed before the move to SM3
    second = seal(sm3, first, {"n": 2})
    entries = [Sealed(1, 1, {"n": 1}, GENESIS, first), Sealed(2, 2, {"n": 2}, first, second)]
    assert first_break(chain_keys(["secret"]), entries) is None
    # SHA-256 does not come back after SM3: an entry appended with the older hash is a break.
    weaker = seal(sha256, second, {"n": 3})
    assert first_break(chain_keys(["secret"]), [*entries, Sealed(3, 3, {"n": 3}, second, weaker)]).id == 3
    # A rotation: old-secret SHA-256, then new-secret SM3.
    rotated = seal(chain_key("new"), first, {"n": 2})
    assert first_break(chain_keys(["new", "secret"]), [entries[0], Sealed(2, 2, {"n": 2}, first, rotated)]) is None
