

def test_a_division_code_stands_for_its_province_city_or_county_prefix():
    from pipeline.search import division_grams, division_prefix

    assert [division_prefix(code) for code in ("440000", "440300", "440305", "650110", "44", "4403")] == [
        "44", "4403", "440305", "650110", "44", "4403"]
    assert division_prefix("000000") == ""  # the country: every division, as a national commission's jurisdiction
    assert [division_grams(prefix) for prefix in ("44", "4403", "440305", "4", "440")] == [
        ["@44"], ["@4403"], ["@440305"], [], []]
