"""Indonesian reference data (regions, names, streets) so generated cards read like real ones."""

from __future__ import annotations

from dataclasses import dataclass

from services.core.provinces import PROVINCE_CODES

# Tables read better a row per line than an item per line.
# fmt: off
# Two-digit codes that no province uses, for deliberately invalid NIKs.
UNKNOWN_PROVINCE_CODES: tuple[str, ...] = tuple(
    f"{code:02d}" for code in range(10, 100) if f"{code:02d}" not in PROVINCE_CODES
)


@dataclass(frozen=True)
class Region:
    """A regency or city with the codes its NIKs start with and some of its districts."""

    province_code: str
    province: str
    city_code: str
    city: str  # as printed on the KTP header, e.g. "KOTA BANDUNG"
    short_city: str  # as used in birth places and KPP names, e.g. "BANDUNG"
    kpp_code: str
    districts: tuple[tuple[str, tuple[str, ...]], ...]  # (kecamatan, kelurahan/desa names)


REGIONS: tuple[Region, ...] = (
    Region("11", "ACEH", "71", "KOTA BANDA ACEH", "BANDA ACEH", "101", (
        ("BAITURRAHMAN", ("PEUNAYONG", "NEUSU JAYA")),
        ("KUTA ALAM", ("LAMPRIET", "BANDAR BARU")),
        ("SYIAH KUALA", ("KOPELMA DARUSSALAM", "REIN")),
    )),
    Region("12", "SUMATERA UTARA", "75", "KOTA MEDAN", "MEDAN", "122", (
        ("MEDAN BARU", ("DARAT", "PADANG BULAN")),
        ("MEDAN PETISAH", ("PETISAH TENGAH", "SEI PUTIH TIMUR")),
        ("MEDAN JOHOR", ("KWALA BEKALA", "GEDUNG JOHOR")),
    )),
    Region("13", "SUMATERA BARAT", "71", "KOTA PADANG", "PADANG", "201", (
        ("PADANG BARAT", ("OLO", "BELAKANG TANGSI")),
        ("KOTO TANGAH", ("AIR TAWAR BARAT", "LUBUK BUAYA")),
    )),
    Region("16", "SUMATERA SELATAN", "71", "KOTA PALEMBANG", "PALEMBANG", "301", (
        ("KEMUNING", ("PAHLAWAN", "SEKIP JAYA")),
        ("SUKARAMI", ("SUKABANGUN", "KEBUN BUNGA")),
    )),
    Region("18", "LAMPUNG", "71", "KOTA BANDAR LAMPUNG", "BANDAR LAMPUNG", "323", (
        ("TANJUNG KARANG PUSAT", ("DURIAN PAYUNG", "PALAPA")),
        ("KEDATON", ("SIDODADI", "SURABAYA")),
    )),
    Region("31", "DKI JAKARTA", "71", "JAKARTA SELATAN", "JAKARTA", "012", (
        ("KEBAYORAN BARU", ("GANDARIA UTARA", "SENAYAN")),
        ("TEBET", ("MENTENG DALAM", "TEBET BARAT")),
        ("SETIABUDI", ("KUNINGAN TIMUR", "KARET")),
    )),
    Region("31", "DKI JAKARTA", "72", "JAKARTA TIMUR", "JAKARTA", "004", (
        ("MATRAMAN", ("PALMERIAM", "UTAN KAYU")),
        ("JATINEGARA", ("BALI MESTER", "CIPINANG")),
        ("DUREN SAWIT", ("PONDOK BAMBU", "KLENDER")),
    )),
    Region("32", "JAWA BARAT", "73", "KOTA BANDUNG", "BANDUNG", "423", (
        ("COBLONG", ("DAGO", "SEKELOA")),
        ("SUKAJADI", ("PASTEUR", "SUKAGALIH")),
        ("BANDUNG WETAN", ("CITARUM", "TAMANSARI")),
    )),
    Region("32", "JAWA BARAT", "01", "KABUPATEN BOGOR", "BOGOR", "436", (
        ("CIBINONG", ("PAKANSARI", "NANGGEWER")),
        ("CITEUREUP", ("PUSPANEGARA", "TAJUR")),
    )),
    Region("32", "JAWA BARAT", "75", "KOTA BEKASI", "BEKASI", "407", (
        ("BEKASI TIMUR", ("ARENJAYA", "DURENJAYA")),
        ("BEKASI SELATAN", ("KAYURINGIN JAYA", "MARGAJAYA")),
    )),
    Region("33", "JAWA TENGAH", "74", "KOTA SEMARANG", "SEMARANG", "503", (
        ("SEMARANG TENGAH", ("PEKUNDEN", "MIROTO")),
        ("BANYUMANIK", ("SRONDOL WETAN", "PEDALANGAN")),
        ("TEMBALANG", ("BULUSAN", "SENDANGMULYO")),
    )),
    Region("33", "JAWA TENGAH", "72", "KOTA SURAKARTA", "SURAKARTA", "526", (
        ("LAWEYAN", ("SONDAKAN", "PAJANG")),
        ("BANJARSARI", ("MANAHAN", "SETABELAN")),
    )),
    Region("34", "DI YOGYAKARTA", "71", "KOTA YOGYAKARTA", "YOGYAKARTA", "541", (
        ("GONDOKUSUMAN", ("TERBAN", "BACIRO")),
        ("KOTAGEDE", ("PRENGGAN", "PURBAYAN")),
    )),
    Region("34", "DI YOGYAKARTA", "04", "KABUPATEN SLEMAN", "SLEMAN", "542", (
        ("DEPOK", ("CATURTUNGGAL", "CONDONGCATUR")),
        ("MLATI", ("SINDUADI", "SENDANGADI")),
    )),
    Region("35", "JAWA TIMUR", "78", "KOTA SURABAYA", "SURABAYA", "606", (
        ("GUBENG", ("AIRLANGGA", "MOJO")),
        ("WONOKROMO", ("DARMO", "JAGIR")),
        ("TEGALSARI", ("KEDUNGDORO", "DR. SOETOMO")),
    )),
    Region("35", "JAWA TIMUR", "73", "KOTA MALANG", "MALANG", "623", (
        ("KLOJEN", ("ORO-ORO DOWO", "KAUMAN")),
        ("LOWOKWARU", ("DINOYO", "KETAWANGGEDE")),
    )),
    Region("36", "BANTEN", "71", "KOTA TANGERANG", "TANGERANG", "402", (
        ("CIPONDOH", ("PORIS PLAWAD", "KETAPANG")),
        ("KARAWACI", ("BOJONG JAYA", "CIMONE")),
    )),
    Region("51", "BALI", "71", "KOTA DENPASAR", "DENPASAR", "901", (
        ("DENPASAR BARAT", ("DAUH PURI", "PEMECUTAN")),
        ("DENPASAR SELATAN", ("SANUR", "PANJER")),
    )),
    Region("52", "NUSA TENGGARA BARAT", "71", "KOTA MATARAM", "MATARAM", "915", (
        ("AMPENAN", ("AMPENAN TENGAH", "PEJERUK")),
        ("CAKRANEGARA", ("CAKRANEGARA BARAT", "SAYANG SAYANG")),
    )),
    Region("61", "KALIMANTAN BARAT", "71", "KOTA PONTIANAK", "PONTIANAK", "701", (
        ("PONTIANAK KOTA", ("DARAT SEKIP", "MARIANA")),
        ("PONTIANAK SELATAN", ("BENUA MELAYU DARAT", "PARIT TOKAYA")),
    )),
    Region("64", "KALIMANTAN TIMUR", "72", "KOTA SAMARINDA", "SAMARINDA", "722", (
        ("SAMARINDA ULU", ("AIR PUTIH", "SIDODADI")),
        ("SUNGAI KUNJANG", ("LOK BAHU", "KARANG ASAM ULU")),
    )),
    Region("71", "SULAWESI UTARA", "71", "KOTA MANADO", "MANADO", "821", (
        ("WENANG", ("WENANG SELATAN", "LAWANGIRUNG")),
        ("MALALAYANG", ("BAHU", "KLEAK")),
    )),
    Region("73", "SULAWESI SELATAN", "71", "KOTA MAKASSAR", "MAKASSAR", "801", (
        ("PANAKKUKANG", ("KARAMPUANG", "PANDANG")),
        ("TAMALATE", ("MANGASA", "JONGAYA")),
        ("RAPPOCINI", ("GUNUNG SARI", "BUAKANA")),
    )),
    Region("81", "MALUKU", "71", "KOTA AMBON", "AMBON", "941", (
        ("SIRIMAU", ("BATU MERAH", "RIJALI")),
        ("NUSANIWE", ("BENTENG", "KUDAMATI")),
    )),
    Region("91", "PAPUA", "71", "KOTA JAYAPURA", "JAYAPURA", "952", (
        ("JAYAPURA UTARA", ("GURABESI", "BAYANGKARA")),
        ("ABEPURA", ("KOTA BARU", "WAI MHOROCK")),
    )),
)

# Birth places that are not the card holder's current city (people move).
OTHER_BIRTH_PLACES: tuple[str, ...] = (
    "JAKARTA", "BANDUNG", "SURABAYA", "SEMARANG", "MEDAN", "PALEMBANG", "MAKASSAR",
    "PEKALONGAN", "TEGAL", "CIREBON", "KUDUS", "KEDIRI", "MADIUN", "JEMBER", "PURWOKERTO",
    "GARUT", "TASIKMALAYA", "SUKABUMI", "BUKITTINGGI", "PEMATANGSIANTAR", "PADANG",
    "MAGELANG", "KLATEN", "BLITAR", "SINGARAJA", "MANADO", "KUPANG", "BANJARMASIN",
)

MALE_FIRST_NAMES: tuple[str, ...] = (
    "BUDI", "AGUS", "ANDI", "DWI", "EKO", "HENDRA", "IRWAN", "JOKO", "MUHAMMAD", "RIZKY",
    "AHMAD", "DEDI", "FAJAR", "GILANG", "HARI", "IMAM", "PUTU", "WAYAN", "YOGA", "BAMBANG",
    "TEGUH", "ARIF", "RUDI", "FIRMAN", "YUSUF", "DANI", "BAYU", "ADITYA", "REZA", "HERU",
)
FEMALE_FIRST_NAMES: tuple[str, ...] = (
    "SITI", "DEWI", "RINA", "SRI", "ANI", "FITRI", "INDAH", "MAYA", "NUR", "PUTRI",
    "RATNA", "WULAN", "YULIANA", "AYU", "KADEK", "MEGA", "NOVITA", "DIAN", "LINDA", "ENDANG",
    "RETNO", "NADIA", "SARI", "TUTI", "INTAN", "ANISA", "RIKA", "LIA", "EKA", "YANTI",
)
MALE_LAST_NAMES: tuple[str, ...] = (
    "SANTOSO", "SETIAWAN", "SAPUTRA", "HIDAYAT", "PRATAMA", "NUGROHO", "GUNAWAN",
    "SUGIARTO", "KURNIAWAN", "SUBAGYO", "FIRMANSYAH", "RAMADHAN", "WIBOWO", "SUSILO",
)
FEMALE_LAST_NAMES: tuple[str, ...] = (
    "WULANDARI", "RAHAYU", "PERMATASARI", "HANDAYANI", "SUSANTI", "PUSPITASARI",
    "ANGGRAINI", "KARTIKA", "LESTARI", "RAHMAWATI", "SAFITRI", "MARLINA",
)
FAMILY_NAMES: tuple[str, ...] = (
    "SIREGAR", "NASUTION", "LUBIS", "HARAHAP", "HALIM", "WIJAYA", "PURNAMA", "SIMANJUNTAK",
    "TAMBUNAN", "HUTAPEA", "PANJAITAN", "SINAGA", "TANJUNG", "SITOMPUL",
)
MALE_MIDDLE_NAMES: tuple[str, ...] = ("NUR", "DWI", "TRI", "EKA", "ADI", "PUTRA", "ARIF")
FEMALE_MIDDLE_NAMES: tuple[str, ...] = ("NUR", "DWI", "TRI", "EKA", "SRI", "AYU", "PUTRI")

STREETS: tuple[str, ...] = (
    "MERDEKA", "SUDIRMAN", "DIPONEGORO", "GATOT SUBROTO", "AHMAD YANI", "PAHLAWAN", "MELATI",
    "MAWAR", "KENANGA", "ANGGREK", "CEMPAKA", "KARTINI", "VETERAN", "PEMUDA", "DAHLIA",
    "SISWA", "KAMBOJA", "FLAMBOYAN", "BERINGIN", "RAYA BOGOR", "TERUSAN JAKARTA", "IMAM BONJOL",
    "HASANUDDIN", "PATTIMURA", "GAJAH MADA", "HAYAM WURUK", "SUTOMO", "KALIURANG",
)

RELIGIONS: tuple[str, ...] = ("ISLAM", "KRISTEN", "KATOLIK", "HINDU", "BUDDHA", "KONGHUCU")
RELIGION_WEIGHTS: tuple[int, ...] = (80, 8, 4, 4, 3, 1)

MARITAL_STATUSES: tuple[str, ...] = ("BELUM KAWIN", "KAWIN", "CERAI HIDUP", "CERAI MATI")
MARITAL_WEIGHTS: tuple[int, ...] = (35, 55, 6, 4)

OCCUPATIONS: tuple[str, ...] = (
    "KARYAWAN SWASTA", "WIRASWASTA", "PELAJAR/MAHASISWA", "PEGAWAI NEGERI SIPIL",
    "MENGURUS RUMAH TANGGA", "GURU", "PETANI/PEKEBUN", "BURUH HARIAN LEPAS", "PEDAGANG",
    "DOKTER", "PERAWAT", "NELAYAN/PERIKANAN", "KARYAWAN BUMN", "SOPIR",
)

# More of Dukcapil's occupation list, long ones included (the reader must keep them whole).
MORE_OCCUPATIONS: tuple[str, ...] = (
    "BELUM/TIDAK BEKERJA", "TENTARA NASIONAL INDONESIA", "KEPOLISIAN RI", "PENSIUNAN", "TRANSPORTASI",
    "KARYAWAN HONORER", "BURUH TANI/PERKEBUNAN", "PEGAWAI NEGERI SIPIL (PNS)", "TUKANG BATU", "MEKANIK",
    "DOSEN", "BIDAN", "APOTEKER", "WARTAWAN", "USTADZ/MUBALIGH", "PERANGKAT DESA",
)
ESTATES: tuple[str, ...] = (
    "PERUM GRIYA ASRI", "KOMP. BUMI INDAH", "PERUMNAS KLENDER", "RUSUN CIPINANG", "PERUM TAMAN SARI",
    "KOMPLEK PERMATA HIJAU",
)

BLOOD_TYPES: tuple[str, ...] = ("A", "B", "AB", "O", "-")
BLOOD_WEIGHTS: tuple[int, ...] = (25, 25, 8, 30, 12)
# fmt: on
