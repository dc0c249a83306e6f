"""Field extraction from OCR lines, including the misreads Tesseract really makes on these cards."""

from __future__ import annotations

from services.core.fields import detect_doc_type, extract_fields, parse_card_date
from services.core.model import DocType, OcrLine

KTP_LINES = [
    "PROVINSI JAWA BARAT",
    "KOTA BEKASI",
    "NIK : 3275025111662149",
    "Nama : RETNO ADI TAMBUNAN",
    "Tempat/Tgl Lahir : BEKASI, 11-11-1966",
    "Jenis Kelamin : PEREMPUAN",
    "Gol. Darah : O",
    "Alamat : JL. MELATI NO. 140",
    "RT/RW : 002/007",
    "Kel/Desa : KAYURINGIN JAYA",
    "Kecamatan : BEKASI SELATAN",
    "Agama : ISLAM",
    "Status Perkawinan : BELUM KAWIN",
    "Pekerjaan : BURUH HARIAN LEPAS",
    "Kewarganegaraan : WNI",
    "Berlaku Hingga : SEUMUR HIDUP",
]


def lines(texts: list[str], conf: float = 90.0) -> list[OcrLine]:
    return [OcrLine(text, conf) for text in texts]


def values(doc_type: DocType, texts: list[str]) -> dict[str, str]:
    return {name: found.value for name, found in extract_fields(doc_type, lines(texts)).items()}


def test_every_ktp_field_is_extracted() -> None:
    assert values(DocType.KTP, KTP_LINES) == {
        "province": "JAWA BARAT",
        "city": "KOTA BEKASI",
        "nik": "3275025111662149",
        "name": "RETNO ADI TAMBUNAN",
        "birth_place": "BEKASI",
        "birth_date": "11-11-1966",
        "gender": "PEREMPUAN",
        "blood_type": "O",
        "address": "JL. MELATI NO. 140",
        "rt_rw": "002/007",
        "village": "KAYURINGIN JAYA",
        "district": "BEKASI SELATAN",
        "religion": "ISLAM",
        "marital_status": "BELUM KAWIN",
        "occupation": "BURUH HARIAN LEPAS",
        "nationality": "WNI",
        "valid_until": "SEUMUR HIDUP",
    }


def test_misread_colons_and_label_glyphs_are_tolerated() -> None:
    found = values(
        DocType.KTP,
        [
            "NIK * 3573025504732625",  # ':' read as '*' (seen on a keystoned photo)
            "Tempat/Tg! Lahir : BANDAR LAMPUNG, 10-10-1981",  # 'l' read as '!'
            "Jenis Kelamin 1 LAKI-LAKI",
            "Gol. Darah :0",  # 'O' read as zero
        ],
    )
    assert found["nik"] == "3573025504732625"
    assert found["birth_place"] == "BANDAR LAMPUNG"
    assert found["birth_date"] == "10-10-1981"
    assert found["gender"] == "LAKI-LAKI"
    assert found["blood_type"] == "O"


def test_colon_read_as_one_standing_alone() -> None:
    assert values(DocType.KTP, ["NIK 1 3573025504732625"])["nik"] == "3573025504732625"


def test_colon_glued_to_the_nik_is_dropped() -> None:
    assert values(DocType.KTP, ["NIK 11371026709610748"])["nik"] == "1371026709610748"


def test_letters_in_a_nik_are_kept_so_it_stays_invalid() -> None:
    assert values(DocType.KTP, ["NIK : 3171A21708900001"])["nik"] == "3171A21708900001"


def test_vocabulary_near_misses_are_corrected_at_lower_confidence() -> None:
    found = extract_fields(DocType.KTP, lines(["Agama : ISLAN", "Status Perkawinan : KAWlN"]))
    assert found["religion"].value == "ISLAM"
    assert found["religion"].confidence < 90.0
    assert found["marital_status"].value == "KAWIN"


def test_npwp_fields_and_format() -> None:
    found = values(
        DocType.NPWP,
        [
            "KEMENTERIAN KEUANGAN REPUBLIK INDONESIA",
            "DIREKTORAT JENDERAL PAJAK",
            "NPWP :08.176.853.3-201.000",
            "Nama : FITRI",
            "NIK : 1371026709610748",
            "Alamat : JL. CEMPAKA NO. 127, PADANG",
            "KPP : KPP PRATAMA PADANG",
            "Terdaftar : 22-09-2021",
        ],
    )
    assert found["npwp"] == "081768533201000"
    assert found["npwp_formatted"] == "08.176.853.3-201.000"
    assert found["name"] == "FITRI"
    assert found["nik"] == "1371026709610748"
    assert found["kpp"] == "KPP PRATAMA PADANG"
    assert found["registered"] == "22-09-2021"


def test_npwp_in_the_djp_layout_unlabelled_name_address_and_tax_office() -> None:
    """The DJP's card prints the name under the number and the address under the NIK without labels, and the tax
    office as a bare line with the date of registration to its right."""
    found = values(
        DocType.NPWP,
        [
            "KEMENTERIAN KEUANGAN REPUBLIK INDONESIA",
            "DIREKTORAT JENDERAL PAJAK",
            "NPWP : 08.176.853.3-201.000",
            "FITRI HANDAYANI",
            "NIK : 1371026709610748",
            "JL. CEMPAKA NO. 127 RT 002 RW 004",
            "KOTA PADANG",
            "KPP PRATAMA PADANG  Tanggal Terdaftar : 22-09-2021",
        ],
    )
    assert found["name"] == "FITRI HANDAYANI"
    assert found["address"] == "JL. CEMPAKA NO. 127 RT 002 RW 004"
    assert found["kpp"] == "KPP PRATAMA PADANG"
    assert found["registered"] == "22-09-2021"
    assert found["npwp"] == "081768533201000" and found["nik"] == "1371026709610748"


def test_an_unlabelled_line_is_not_a_name_unless_it_follows_the_number() -> None:
    # Digits-only junk under the number is no name; a labelled name wins over the line under the number.
    assert "name" not in values(DocType.NPWP, ["NPWP : 08.176.853.3-201.000", "0 1 2", "NIK : 1371026709610748"])
    labelled = values(DocType.NPWP, ["NPWP : 08.176.853.3-201.000", "Nama : FITRI", "DIREKTORAT JENDERAL PAJAK"])
    assert labelled["name"] == "FITRI"


def test_garbage_yields_no_fields() -> None:
    assert values(DocType.KTP, ["~~ ,; ..", "a8 #@ x", ""]) == {}


def test_doc_type_detection() -> None:
    assert detect_doc_type(lines(["DIREKTORAT JENDERAL PAJAK", "NPWP : 1"])) is DocType.NPWP
    assert detect_doc_type(lines(KTP_LINES)) is DocType.KTP


def test_card_dates() -> None:
    assert parse_card_date("BEKASI, 11-11-1966").isoformat() == "1966-11-11"  # type: ignore[union-attr]
    assert parse_card_date("31-02-1990") is None
    assert parse_card_date("no date") is None
