def test_the_home_page_lists_the_icbs(client, geography):
    response = client.get("/")
    assert response.status_code == 200
    assert b"NHS South West London Integrated Care Board" in response.content
    assert b"Sutton" in response.content


def test_the_postcode_check_shows_borough_and_icb(client, geography):
    response = client.post("/postcodes/", {"postcode": "kt171aa"})
    assert response.status_code == 200
    assert b"Epsom and Ewell (E07000208)" in response.content
    assert b"NHS Surrey Heartlands Integrated Care Board" in response.content


def test_the_postcode_check_explains_a_bad_postcode(client, geography):
    response = client.post("/postcodes/", {"postcode": "SM1 XYZ"})
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert b"&#x27;SM1 XYZ&#x27; is not a valid UK postcode" in response.content


def test_the_postcode_check_takes_no_postcode_from_the_url(client, geography):
    # A postcode belongs in a POST body, never in a URL that access logs keep.
    response = client.get("/postcodes/", {"postcode": "kt171aa"})
    assert response.status_code == 200
    assert b"Epsom and Ewell" not in response.content
    assert b'method="post"' in response.content
