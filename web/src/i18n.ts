/**
 * Every word the app shows, in Indonesian (the default: the people verified hold Indonesian cards) and English.
 * Reason and capture codes come from the API; each known code has plain words here, an unknown one (a code added
 * to the API before the app learned it) falls back to a neutral sentence rather than the raw code alone.
 */

export type Lang = "id" | "en";
export const LANGS: Lang[] = ["id", "en"];

const ui = {
  id: {
    appName: "FiLot",
    tagline: "Verifikasi KTP dan NPWP",
    language: "Bahasa",
    signInTitle: "Masuk",
    signInDev: "Masuk pengembangan (hanya lokal): nama pengguna",
    signInDevHelp: "Huruf, angka, - dan _. Tidak ada kata sandi: ini hanya untuk mesin pengembang.",
    signInOidc: "Masuk dengan akun FiLot",
    signIn: "Masuk",
    signOut: "Keluar",
    signedInAs: "Masuk sebagai",
    navCapture: "Kirim dokumen",
    navDocuments: "Dokumen saya",
    navPrivacy: "Privasi",
    captureTitle: "Foto kartu Anda",
    docType: "Jenis dokumen",
    ktp: "KTP",
    npwp: "NPWP",
    chooseFile: "Pilih foto",
    useCamera: "Gunakan kamera",
    takePhoto: "Ambil foto",
    stopCamera: "Tutup kamera",
    cameraGuide: "Letakkan kartu di dalam bingkai, rata dan tanpa pantulan cahaya.",
    cameraUnavailable: "Kamera tidak tersedia di perangkat ini. Pilih foto dari galeri.",
    checking: "Memeriksa foto…",
    preview: "Pratinjau foto",
    looksGood: "Foto tampak baik.",
    send: "Kirim",
    sendAnyway: "Tetap kirim",
    retake: "Ambil ulang",
    uploading: "Mengunggah",
    retrying: "Koneksi terputus, mencoba lagi…",
    statusTitle: "Status dokumen",
    decisionTitle: "Keputusan",
    score: "Skor",
    reasons: "Alasan",
    fieldsRead: "Data yang terbaca (disamarkan)",
    captureAdvice: "Saran untuk foto berikutnya",
    appeal: "Ajukan banding",
    appealNote: "Catatan untuk peninjau (opsional)",
    appealSend: "Kirim banding",
    appealed: "Banding dikirim. Seorang peninjau akan memutuskan; keputusannya final.",
    history: "Riwayat",
    by_you: "oleh Anda",
    by_reviewer: "oleh peninjau",
    by_automatic: "otomatis",
    documentsTitle: "Dokumen saya",
    noDocuments: "Belum ada dokumen.",
    open: "Buka",
    loadMore: "Muat lebih banyak",
    deleteDocument: "Hapus dokumen ini",
    deleteDocumentConfirm: "Hapus foto dan data pribadi dokumen ini? Tindakan ini tidak dapat dibatalkan.",
    deleted: "Dokumen dihapus.",
    privacyTitle: "Privasi dan data Anda",
    privacyText:
      "Foto disimpan paling lama {images} hari dan data pribadi {pii} hari setelah keputusan. Anda dapat mengunduh semua data Anda atau menghapusnya kapan saja.",
    privacyIntro:
      "Anda berhak atas salinan semua data yang kami simpan tentang Anda dan berhak menghapusnya (UU PDP). Foto dan data pribadi juga dihapus otomatis setelah masa simpannya.",
    exportData: "Unduh data saya",
    exported: "Data Anda telah diunduh ({count} dokumen).",
    deleteAccount: "Hapus semua data saya",
    deleteAccountConfirm: "Ketik HAPUS untuk mengonfirmasi penghapusan semua foto dan data pribadi Anda.",
    deleteAccountWord: "HAPUS",
    accountDeleted: "{count} dokumen dihapus. Anda telah keluar.",
    confirm: "Konfirmasi",
    cancel: "Batal",
    close: "Tutup",
    loading: "Memuat…",
    errorPrefix: "Terjadi kesalahan",
    tryAgain: "Coba lagi",
    configError: "Aplikasi tidak dapat dimulai: konfigurasi tidak valid.",
    sessionExpired: "Sesi Anda berakhir. Silakan masuk lagi.",
    created: "Dikirim",
    met: "Terpenuhi",
    partly: "Sebagian terpenuhi",
    problem: "Masalah",
  },
  en: {
    appName: "FiLot",
    tagline: "KTP and NPWP verification",
    language: "Language",
    signInTitle: "Sign in",
    signInDev: "Development sign-in (local only): user name",
    signInDevHelp: "Letters, digits, - and _. No password: this is for a developer's machine only.",
    signInOidc: "Sign in with your FiLot account",
    signIn: "Sign in",
    signOut: "Sign out",
    signedInAs: "Signed in as",
    navCapture: "Send a document",
    navDocuments: "My documents",
    navPrivacy: "Privacy",
    captureTitle: "Photograph your card",
    docType: "Document type",
    ktp: "KTP (identity card)",
    npwp: "NPWP (tax card)",
    chooseFile: "Choose a photo",
    useCamera: "Use the camera",
    takePhoto: "Take the photo",
    stopCamera: "Close the camera",
    cameraGuide: "Place the card inside the frame, flat and without reflections.",
    cameraUnavailable: "No camera is available on this device. Choose a photo from your gallery.",
    checking: "Checking the photo…",
    preview: "Photo preview",
    looksGood: "The photo looks good.",
    send: "Send",
    sendAnyway: "Send anyway",
    retake: "Retake",
    uploading: "Uploading",
    retrying: "Connection lost, trying again…",
    statusTitle: "Document status",
    decisionTitle: "Decision",
    score: "Score",
    reasons: "Reasons",
    fieldsRead: "What was read (masked)",
    captureAdvice: "Advice for the next photo",
    appeal: "Appeal",
    appealNote: "Note for the reviewer (optional)",
    appealSend: "Send the appeal",
    appealed: "Appeal sent. A person will decide; their decision is final.",
    history: "History",
    by_you: "by you",
    by_reviewer: "by a reviewer",
    by_automatic: "automatic",
    documentsTitle: "My documents",
    noDocuments: "No documents yet.",
    open: "Open",
    loadMore: "Load more",
    deleteDocument: "Delete this document",
    deleteDocumentConfirm: "Delete this document's photo and personal data? This cannot be undone.",
    deleted: "Document deleted.",
    privacyTitle: "Privacy and your data",
    privacyText:
      "Photos are kept at most {images} days and personal data {pii} days after the decision. You can download all your data or delete it at any time.",
    privacyIntro:
      "You have the right to a copy of everything we hold about you and to have it erased (UU PDP). Photos and personal data are also deleted automatically once their retention period ends.",
    exportData: "Download my data",
    exported: "Your data was downloaded ({count} documents).",
    deleteAccount: "Delete all my data",
    deleteAccountConfirm: "Type DELETE to confirm deleting all your photos and personal data.",
    deleteAccountWord: "DELETE",
    accountDeleted: "{count} documents deleted. You are signed out.",
    confirm: "Confirm",
    cancel: "Cancel",
    close: "Close",
    loading: "Loading…",
    errorPrefix: "Something went wrong",
    tryAgain: "Try again",
    configError: "The app cannot start: its configuration is invalid.",
    sessionExpired: "Your session ended. Please sign in again.",
    created: "Sent",
    met: "Met",
    partly: "Partly met",
    problem: "Problem",
  },
} as const;

export type UiKey = keyof (typeof ui)["en"];

const statuses: Record<Lang, Record<string, string>> = {
  id: {
    uploaded: "Diterima",
    queued: "Dalam antrean",
    processing: "Sedang dibaca",
    scored: "Sedang dinilai",
    approved: "Disetujui",
    rejected: "Ditolak",
    needs_review: "Menunggu peninjau",
    escalated: "Sedang ditinjau oleh petugas",
    failed: "Gagal diproses",
  },
  en: {
    uploaded: "Received",
    queued: "Waiting in line",
    processing: "Being read",
    scored: "Being scored",
    approved: "Approved",
    rejected: "Rejected",
    needs_review: "Waiting for a reviewer",
    escalated: "A person is reviewing it",
    failed: "Could not be processed",
  },
};

/** Photo problems: the API's capture codes and the app's own checks before upload. */
const advice: Record<Lang, Record<string, string>> = {
  id: {
    card_not_found: "Kartu tidak terlihat. Letakkan di permukaan polos dan isi sebagian besar bingkai.",
    card_too_small: "Kartu terlalu kecil di foto. Dekatkan kamera.",
    cut_off: "Sebagian kartu terpotong. Pastikan keempat sudutnya terlihat.",
    glare_on_fields: "Ada pantulan cahaya di tulisan. Miringkan kartu atau jauhkan dari lampu.",
    too_blurry: "Foto buram. Tahan ponsel tetap diam dan tunggu kamera fokus.",
    too_dark: "Foto terlalu gelap. Cari tempat yang lebih terang.",
    too_bright: "Foto terlalu terang. Hindari cahaya langsung.",
    too_small_resolution: "Resolusi foto terlalu kecil. Gunakan kamera utama ponsel.",
    file_too_large: "Berkas lebih dari 10 MB. Pilih foto yang lebih kecil.",
    unsupported_type: "Hanya foto JPEG atau PNG yang diterima.",
  },
  en: {
    card_not_found: "No card in the photo. Put it on a plain surface and fill most of the frame with it.",
    card_too_small: "The card is small in the photo. Move closer.",
    cut_off: "Part of the card is outside the photo. Keep all four corners in the frame.",
    glare_on_fields: "A reflection covers the text. Tilt the card or move away from the lamp.",
    too_blurry: "The photo is blurred. Hold still and let the camera focus.",
    too_dark: "The photo is too dark. Find more light.",
    too_bright: "The photo is too bright. Avoid direct light.",
    too_small_resolution: "The photo's resolution is too low. Use the phone's main camera.",
    file_too_large: "The file is over 10 MB. Choose a smaller photo.",
    unsupported_type: "Only JPEG or PNG photos are accepted.",
  },
};

/** Score components and checks, as a person would put them. */
const reasonWords: Record<Lang, Record<string, string>> = {
  id: {
    fields_present: "Kolom-kolom kartu terbaca",
    ocr_confidence: "Tulisan terbaca dengan jelas",
    image_quality: "Kualitas foto",
    nik_valid: "NIK sesuai aturan (16 digit, provinsi dan tanggal lahir yang benar)",
    nik_invalid: "NIK tidak sesuai aturan",
    nik_birth_date_agrees: "Tanggal lahir cocok dengan NIK",
    nik_birth_date_contradicts: "Tanggal lahir tidak cocok dengan NIK",
    nik_birth_date_unchecked: "Tanggal lahir tidak dapat dibandingkan dengan NIK",
    nik_gender_agrees: "Jenis kelamin cocok dengan NIK",
    nik_gender_contradicts: "Jenis kelamin tidak cocok dengan NIK",
    nik_gender_unchecked: "Jenis kelamin tidak dapat dibandingkan dengan NIK",
    birth_date_plausible: "Tanggal lahir masuk akal",
    birth_date_implausible: "Tanggal lahir tidak masuk akal",
    birth_date_unreadable: "Tanggal lahir tidak terbaca",
    coded_fields_recognised: "Agama, status perkawinan dan jenis kelamin dikenali",
    nik_province_agrees: "Provinsi pada NIK cocok dengan kartu",
    nik_province_differs: "Provinsi pada NIK berbeda dengan kartu",
    nik_font_ocr_a: "NIK tercetak dengan huruf resmi",
    nik_font_mismatch: "NIK tidak tercetak dengan huruf resmi kartu",
    nik_digits_decided_by_card: "Beberapa digit NIK dipastikan dari data kartu",
    npwp_valid: "Nomor NPWP sesuai aturan",
    npwp_invalid: "Nomor NPWP tidak sesuai aturan",
    npwp_missing: "Nomor NPWP tidak terbaca",
    npwp_nik_absent: "Kartu NPWP lama tanpa NIK",
    claim_nik_match: "NIK yang Anda isi cocok dengan kartu",
    claim_nik_mismatch: "NIK yang Anda isi berbeda dengan kartu",
    claim_name_match: "Nama yang Anda isi cocok dengan kartu",
    claim_name_mismatch: "Nama yang Anda isi berbeda dengan kartu",
    card_read_poorly: "Kartu terbaca kurang baik; seorang petugas akan memutuskan",
    nik_seen_for_other_owner: "Identitas ini sudah diverifikasi di akun lain",
    npwp_contradicts_ktp: "NPWP tidak cocok dengan KTP Anda yang disetujui",
  },
  en: {
    fields_present: "The card's fields were read",
    ocr_confidence: "The text was read clearly",
    image_quality: "Photo quality",
    nik_valid: "The NIK follows the rules (16 digits, a real province and birth date)",
    nik_invalid: "The NIK does not follow the rules",
    nik_birth_date_agrees: "The birth date agrees with the NIK",
    nik_birth_date_contradicts: "The birth date does not agree with the NIK",
    nik_birth_date_unchecked: "The birth date could not be compared with the NIK",
    nik_gender_agrees: "The gender agrees with the NIK",
    nik_gender_contradicts: "The gender does not agree with the NIK",
    nik_gender_unchecked: "The gender could not be compared with the NIK",
    birth_date_plausible: "The birth date is plausible",
    birth_date_implausible: "The birth date is not plausible",
    birth_date_unreadable: "The birth date could not be read",
    coded_fields_recognised: "Religion, marital status and gender were recognised",
    nik_province_agrees: "The NIK's province matches the card",
    nik_province_differs: "The NIK's province differs from the card's",
    nik_font_ocr_a: "The NIK is printed in the official typeface",
    nik_font_mismatch: "The NIK is not printed in the card's official typeface",
    nik_digits_decided_by_card: "Some NIK digits were settled from the card's other data",
    npwp_valid: "The NPWP number follows the rules",
    npwp_invalid: "The NPWP number does not follow the rules",
    npwp_missing: "The NPWP number could not be read",
    npwp_nik_absent: "An older NPWP card without a NIK",
    claim_nik_match: "The NIK you entered matches the card",
    claim_nik_mismatch: "The NIK you entered differs from the card",
    claim_name_match: "The name you entered matches the card",
    claim_name_mismatch: "The name you entered differs from the card",
    card_read_poorly: "The card was read poorly; a person will decide",
    nik_seen_for_other_owner: "This identity is already verified on another account",
    npwp_contradicts_ktp: "The NPWP does not match your approved KTP",
  },
};

const fieldNames: Record<Lang, Record<string, string>> = {
  id: {
    nik: "NIK", npwp: "NPWP", name: "Nama", birth_date: "Tanggal lahir", birth_place: "Tempat lahir",
    gender: "Jenis kelamin", address: "Alamat", religion: "Agama", marital_status: "Status perkawinan",
    occupation: "Pekerjaan", nationality: "Kewarganegaraan", province: "Provinsi", city: "Kota/Kabupaten",
    rt_rw: "RT/RW", village: "Kel/Desa", district: "Kecamatan", valid_until: "Berlaku hingga",
    blood_type: "Golongan darah", npwp_formatted: "NPWP",
  },
  en: {
    nik: "NIK", npwp: "NPWP", name: "Name", birth_date: "Date of birth", birth_place: "Place of birth",
    gender: "Gender", address: "Address", religion: "Religion", marital_status: "Marital status",
    occupation: "Occupation", nationality: "Nationality", province: "Province", city: "City/Regency",
    rt_rw: "RT/RW", village: "Village", district: "District", valid_until: "Valid until",
    blood_type: "Blood type", npwp_formatted: "NPWP",
  },
};

/** API error codes a person can act on; others show the API's own message. */
const errorWords: Record<Lang, Record<string, string>> = {
  id: {
    network: "Tidak dapat menghubungi server. Periksa koneksi Anda.",
    rate_limited: "Terlalu banyak permintaan. Tunggu sebentar lalu coba lagi.",
    file_too_large: "Berkas terlalu besar (maksimal 10 MB).",
    unsupported_media_type: "Berkas bukan foto JPEG atau PNG.",
    image_undecodable: "Foto tidak dapat dibuka. Ambil foto baru.",
    image_too_large: "Foto terlalu besar (terlalu banyak piksel).",
    empty_file: "Berkas kosong.",
    not_rejected: "Hanya dokumen yang ditolak otomatis dapat diajukan banding.",
    already_reviewed: "Dokumen ini sudah diputuskan oleh petugas; keputusannya final.",
    document_not_found: "Dokumen tidak ditemukan.",
    token_expired: "Sesi Anda berakhir. Silakan masuk lagi.",
    unauthenticated: "Silakan masuk terlebih dahulu.",
    invalid_token: "Sesi Anda tidak valid. Silakan masuk lagi.",
    storage_unavailable: "Penyimpanan sedang tidak tersedia. Coba lagi sebentar lagi.",
    queue_unavailable: "Layanan sedang sibuk. Coba lagi sebentar lagi.",
  },
  en: {
    network: "The server cannot be reached. Check your connection.",
    rate_limited: "Too many requests. Wait a moment and try again.",
    file_too_large: "The file is too large (10 MB at most).",
    unsupported_media_type: "The file is not a JPEG or PNG photo.",
    image_undecodable: "The photo cannot be opened. Take a new one.",
    image_too_large: "The photo is too large (too many pixels).",
    empty_file: "The file is empty.",
    not_rejected: "Only a document rejected automatically can be appealed.",
    already_reviewed: "A person has already decided this document; that decision is final.",
    document_not_found: "The document was not found.",
    token_expired: "Your session ended. Please sign in again.",
    unauthenticated: "Please sign in first.",
    invalid_token: "Your session is not valid. Please sign in again.",
    storage_unavailable: "Storage is unavailable right now. Try again shortly.",
    queue_unavailable: "The service is busy. Try again shortly.",
  },
};

export interface Words {
  lang: Lang;
  t(key: UiKey, values?: Record<string, string | number>): string;
  status(code: string): string;
  advice(code: string): string;
  reason(code: string): string;
  field(name: string): string;
  error(code: string, fallback: string): string;
}

export function words(lang: Lang): Words {
  return {
    lang,
    t: (key, values) =>
      (ui[lang][key] ?? key).replace(/\{(\w+)\}/g, (whole, name: string) => String(values?.[name] ?? whole)),
    status: (code) => statuses[lang][code] ?? code,
    advice: (code) =>
      advice[lang][code] ?? (lang === "id" ? `Periksa foto Anda (${code}).` : `Check your photo (${code}).`),
    reason: (code) => reasonWords[lang][code] ?? (lang === "id" ? `Pemeriksaan ${code}` : `Check ${code}`),
    field: (name) => fieldNames[lang][name] ?? name.replace(/_/g, " "),
    error: (code, fallback) => errorWords[lang][code] ?? fallback,
  };
}

/** The browser's preferred language if it is one of ours, else Indonesian. */
export function preferredLang(languages: readonly string[]): Lang {
  for (const tag of languages) {
    const base = tag.toLowerCase().split("-")[0];
    if (base === "id" || base === "en") return base;
  }
  return "id";
}

/** For the tests: every code the two languages must both know. */
export const KNOWN = { statuses, advice, reasonWords, fieldNames, errorWords, ui };
