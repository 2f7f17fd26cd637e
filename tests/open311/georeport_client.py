"""Drives the portal's Open311 GeoReport v2 interface with a third-party
client library from PyPI (`georeport`, unchanged), in JSON and in XML.

The library reads services, service definitions and requests; it cannot file
(its documentation says so), so filing is one form POST as the specification
describes it, and everything after it is read back through the library.

Usage: python3 georeport_client.py BASE_URL API_KEY JURISDICTION
Prints one line per check; exits non-zero on the first failure.
"""

import sys

import requests
from georeport import GeoReport


def check(condition, what):
    if not condition:
        print(f"FAILED: {what}")
        sys.exit(1)
    print(f"ok: {what}")


def main():
    base, key, jurisdiction = sys.argv[1], sys.argv[2], sys.argv[3]
    root = f"{base}/open311/v2"
    for fmt in ("json", "xml"):
        client = GeoReport(root, jurisdiction=jurisdiction, api_key=key, output_format=fmt)
        services = client.get_service_list()
        codes = [s["service_code"] for s in services]
        check("complaint.traffic" in codes and len(codes) == 27, f"{fmt}: 27 services")
        first = services[0]
        check(first["metadata"] in (True, "true"), f"{fmt}: services have metadata")
        definition = client.get_service_definition("litigation.case_handling")
        attributes = definition["attributes"]
        if fmt == "xml":
            attributes = attributes["attribute"]
        case = [a for a in attributes if a["code"] == "related_case_number"][0]
        check(case["required"] in (True, "true"), f"{fmt}: the case number is required for litigation")

    # Filing, as the specification describes it (the library does not file).
    r = requests.post(
        f"{root}/requests.json",
        data={
            "api_key": key,
            "jurisdiction_id": jurisdiction,
            "service_code": "complaint.traffic",
            "description": "路口信号灯故障，交警现场处理时态度粗暴，要求说明处理依据。",
            "address_string": "临江市江北区滨江路与人民路交叉口",
            "first_name": "王",
            "last_name": "五",
            "phone": "13800138000",
            "attribute[title]": "交警现场处理态度粗暴",
        },
    )
    check(r.status_code == 200, f"filed: HTTP {r.status_code} {r.text[:200]}")
    created = r.json()[0]
    number = created["service_request_id"]
    check(number.startswith("MJ") and created["token"], "a tracking number and a token came back")

    for fmt in ("json", "xml"):
        client = GeoReport(root, jurisdiction=jurisdiction, output_format=fmt)
        one = client.get_service_request(number)
        check(one["service_request_id"] == number, f"{fmt}: read back by number")
        check(one["status"] == "open", f"{fmt}: it is open")
        check(one["service_code"] == "complaint.traffic", f"{fmt}: its service")
        text = str(one)
        check("王五" not in text and "13800138000" not in text and "粗暴" not in text,
              f"{fmt}: nothing of the petitioner or the text")
        many = client.get_service_requests(service_request_id=number)
        if isinstance(many, dict):
            many = [many]
        check(len(many) == 1 and many[0]["service_request_id"] == number, f"{fmt}: listed by number")
    print("all checks passed")


if __name__ == "__main__":
    main()
