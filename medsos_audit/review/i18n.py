"""The desk's words in Bahasa Indonesia (first) and English; templates call ``t(key)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

LANGS: Final = ("id", "en")

_TEXT: Final[dict[str, tuple[str, str]]] = {
    # frame
    "app": ("Meja Tinjauan medsos-audit", "medsos-audit review desk"),
    "nav.queue": ("Antrean", "Queue"),
    "nav.rules": ("Kualitas aturan", "Rule quality"),
    "nav.log": ("Log tinjauan", "Review log"),
    "logout": ("Keluar", "Log out"),
    "lang.other": ("English", "Bahasa Indonesia"),
    "all_branches": ("Semua cabang (MKEK)", "All branches (MKEK)"),
    "no_branch": ("(tanpa cabang)", "(no branch)"),
    "data_as_of": ("Data temuan per", "Findings as of"),
    "data.published": ("salinan yang diterbitkan", "published copy"),
    "data.warehouse": ("gudang data (baca saja)", "warehouse (read-only)"),
    "data.stale": (
        "Data terbaru belum dapat dibaca (pipeline sedang berjalan); yang tampil adalah data "
        "terakhir yang terbaca.",
        "The newest data cannot be read yet (the pipeline is running); showing the last data read.",
    ),
    # login
    "login.title": ("Masuk", "Log in"),
    "login.email": ("Surel", "E-mail"),
    "login.password": ("Kata sandi", "Password"),
    "login.submit": ("Masuk", "Log in"),
    "login.failed": ("Surel atau kata sandi salah.", "Wrong e-mail or password."),
    "login.throttled": (
        "Terlalu banyak percobaan gagal. Coba lagi dalam {minutes} menit.",
        "Too many failed attempts. Try again in {minutes} minutes.",
    ),
    "login.expired": (
        "Sesi Anda berakhir. Silakan masuk lagi.",
        "Your session has ended. Please log in again.",
    ),
    "login.hint": (
        "Akun dibuat oleh admin dengan perintah medsos-audit users add.",
        "Accounts are created by an admin with medsos-audit users add.",
    ),
    # queue
    "queue.title": ("Antrean temuan", "Findings queue"),
    "queue.intro": (
        "Temuan diurutkan dari skor risiko tertinggi. Temuan adalah dugaan, bukan putusan: "
        "periksa unggahannya, lalu konfirmasi, tolak, atau eskalasi.",
        "Findings are ordered by risk score, highest first. A finding is a suspicion, not a "
        "verdict: check the post, then confirm, dismiss or escalate.",
    ),
    "queue.count": ("{n} temuan", "{n} findings"),
    "queue.empty": ("Tidak ada temuan dengan saringan ini.", "No findings match these filters."),
    "queue.review": ("Tinjau", "Review"),
    "queue.more": ("Berikutnya", "Next"),
    "queue.prev": ("Sebelumnya", "Previous"),
    "filter.week": ("Minggu", "Week"),
    "filter.check": ("Pemeriksaan", "Check"),
    "filter.severity": ("Tingkat", "Severity"),
    "filter.status": ("Status", "Status"),
    "filter.any": ("Semua", "All"),
    "filter.apply": ("Terapkan", "Apply"),
    "saved": ("Keputusan tersimpan", "Decision saved"),
    # a finding
    "flag.doctor": ("Dokter", "Doctor"),
    "flag.npa": ("NPA", "NPA"),
    "flag.account": ("Akun", "Account"),
    "flag.posted": ("Diunggah", "Posted"),
    "flag.week": ("Minggu", "Week"),
    "flag.post": ("Buka unggahan di Instagram", "Open the post on Instagram"),
    "flag.profile": ("Buka profil di Instagram", "Open the profile on Instagram"),
    "flag.profile_flag": ("Temuan pada profil (bio)", "Finding on the profile (bio)"),
    "flag.evidence": (
        "Bukti (identitas pasien disamarkan)",
        "Evidence (patient identifiers masked)",
    ),
    "flag.fatwa": ("Rujukan", "Ruling"),
    "flag.risk": ("Skor risiko", "Risk score"),
    "flag.severity": ("Tingkat", "Severity"),
    "flag.check": ("Pemeriksaan", "Check"),
    "flag.status": ("Status", "Status"),
    "flag.removed": ("Unggahan sudah dihapus pada {when}", "Post taken down on {when}"),
    "flag.inactive": ("Dokter tidak lagi terdaftar", "Doctor no longer in the registry"),
    "flag.field": ("dari", "from"),
    "flag.history": ("Riwayat temuan ini", "History of this finding"),
    "flag.no_history": ("Belum ada keputusan.", "No decision yet."),
    "flag.doctor_history": (
        "Keputusan sebelumnya untuk dokter ini",
        "Earlier decisions on this doctor",
    ),
    "flag.doctor_none": (
        "Belum ada keputusan lain untuk dokter ini.",
        "No other decision on this doctor.",
    ),
    "flag.doctor_summary": (
        "{confirmed} dikonfirmasi, {dismissed} ditolak, {escalated} dieskalasi",
        "{confirmed} confirmed, {dismissed} dismissed, {escalated} escalated",
    ),
    "flag.back": ("Kembali ke antrean", "Back to the queue"),
    "flag.admin_only": (
        "Temuan yang dieskalasi atau sudah diputus hanya dapat diubah oleh admin (MKEK).",
        "Escalated or decided findings can only be changed by an admin (MKEK).",
    ),
    # decisions
    "act.confirm": ("Konfirmasi pelanggaran", "Confirm violation"),
    "act.dismiss": ("Tolak temuan", "Dismiss finding"),
    "act.escalate": ("Eskalasi ke MKEK", "Escalate to MKEK"),
    "act.reopen": ("Buka kembali", "Re-open"),
    "form.severity": ("Tingkat pelanggaran", "Severity of the violation"),
    "form.sanction": ("Kategori sanksi MKEK", "MKEK sanction category"),
    "form.reason": ("Alasan", "Reason"),
    "form.note": (
        "Catatan (jangan tulis identitas pasien)",
        "Note (do not write patient identifiers)",
    ),
    "form.note_required": ("Catatan (wajib)", "Note (required)"),
    "form.escalate_to": ("Tujuan", "To"),
    "err.invalid": ("Isian belum lengkap atau tidak sah: {what}", "Missing or invalid: {what}"),
    "err.conflict": (
        "Temuan ini baru saja diputus oleh orang lain (status sekarang: {state}). Periksa "
        "riwayatnya sebelum memutus lagi.",
        "Someone else has just decided this finding (now: {state}). Check its history before "
        "deciding again.",
    ),
    "err.forbidden": ("Anda tidak berhak melakukan ini.", "You are not allowed to do this."),
    "err.not_found": ("Tidak ditemukan.", "Not found."),
    "err.csrf": (
        "Formulir kedaluwarsa atau tidak sah. Muat ulang halaman dan coba lagi.",
        "The form has expired or is not valid. Reload the page and try again.",
    ),
    "err.unavailable": (
        "Data temuan belum tersedia (pipeline sedang berjalan atau belum pernah berjalan). "
        "Coba lagi sebentar lagi.",
        "Findings are not available yet (the pipeline is running or has never run). Try again "
        "in a moment.",
    ),
    "err.title": ("Ada masalah", "Something went wrong"),
    # rule quality
    "rules.title": ("Kualitas aturan", "Rule quality"),
    "rules.intro": (
        "Per aturan: berapa temuan yang dikonfirmasi, ditolak, dan dieskalasi oleh petugas, dan "
        "berapa yang masih menunggu. Aturan dengan porsi tolak tinggi perlu diperbaiki.",
        "Per rule: how many of its findings staff confirmed, dismissed and escalated, and how "
        "many still wait. Rules with a high dismissed share need fixing.",
    ),
    "rules.rule": ("Aturan", "Rule"),
    "rules.confirmed": ("Dikonfirmasi", "Confirmed"),
    "rules.dismissed": ("Ditolak", "Dismissed"),
    "rules.escalated": ("Dieskalasi", "Escalated"),
    "rules.open": ("Menunggu", "Waiting"),
    "rules.share": ("Porsi ditolak", "Dismissed share"),
    "rules.empty": ("Belum ada temuan.", "No findings yet."),
    # log
    "log.title": ("Log tinjauan", "Review log"),
    "log.intro": (
        "Setiap tindakan tercatat di sini dan tidak pernah diubah atau dihapus.",
        "Every action is recorded here and never changed or deleted.",
    ),
    "log.when": ("Waktu", "When"),
    "log.who": ("Oleh", "Who"),
    "log.what": ("Tindakan", "Action"),
    "log.finding": ("Temuan", "Finding"),
    "log.change": ("Status", "Status"),
    "log.details": ("Rincian", "Details"),
}

# Labels of codes, keyed "<kind>.<code>".
_LABELS: Final[dict[str, tuple[str, str]]] = {
    "check.promotion": ("Promosi / iklan", "Promotion / advertising"),
    "check.testimonial_repost": ("Unggah ulang testimoni", "Testimonial repost"),
    "check.personal_mixing": ("Campur konten pribadi", "Personal content mixed in"),
    "check.patient_privacy": ("Privasi pasien", "Patient privacy"),
    "severity.ringan": ("ringan", "light"),
    "severity.sedang": ("sedang", "medium"),
    "severity.berat": ("berat", "heavy"),
    "state.open": ("terbuka", "open"),
    "state.confirmed": ("dikonfirmasi", "confirmed"),
    "state.dismissed": ("ditolak", "dismissed"),
    "state.escalated": ("dieskalasi", "escalated"),
    "action.confirm": ("konfirmasi", "confirm"),
    "action.dismiss": ("tolak", "dismiss"),
    "action.escalate": ("eskalasi", "escalate"),
    "action.reopen": ("buka kembali", "re-open"),
    "sanction.kategori_1": ("Kategori 1 — murni pembinaan", "Category 1 — guidance only"),
    "sanction.kategori_2": (
        "Kategori 2 — penginsafan tanpa pemberhentian keanggotaan",
        "Category 2 — admonition without suspension of membership",
    ),
    "sanction.kategori_3": (
        "Kategori 3 — penginsafan dengan pemberhentian keanggotaan sementara",
        "Category 3 — admonition with temporary suspension of membership",
    ),
    "sanction.kategori_4": (
        "Kategori 4 — pemberhentian keanggotaan tetap",
        "Category 4 — permanent loss of membership",
    ),
    "reason.educational": (
        "Edukasi kesehatan, bukan promosi atau paparan",
        "Health education, no promotion or exposure",
    ),
    "reason.not_patient_data": (
        "Bukan data pasien (salah kenal identitas)",
        "Not patient data (misread identifier)",
    ),
    "reason.institutional": (
        "Unggahan resmi institusi atau kampanye kesehatan",
        "Official institution or health-campaign post",
    ),
    "reason.wrong_account": ("Bukan akun/unggahan dokter ini", "Not this doctor's account or post"),
    "reason.duplicate": ("Duplikat temuan lain", "Duplicate of another finding"),
    "reason.rule_misread": (
        "Aturan salah membaca konteks",
        "The rule misread the context",
    ),
    "reason.other": ("Lainnya (tulis di catatan)", "Other (explain in the note)"),
    "escalate.mkek_wilayah": ("MKEK Wilayah", "Regional MKEK"),
    "escalate.mkek_pusat": ("MKEK Pusat", "Central MKEK"),
    "field.caption": ("keterangan", "caption"),
    "field.accessibility_caption": ("teks alternatif gambar", "image description"),
    "field.is_sponsored": ("label kemitraan berbayar", "paid-partnership label"),
    "field.sponsor_users": ("akun sponsor", "sponsor accounts"),
    "field.tagged_users": ("akun yang ditandai", "tagged accounts"),
    "field.hashtags": ("tagar", "hashtags"),
    "field.mentions": ("sebutan akun", "mentions"),
    "field.location": ("lokasi", "location"),
    "field.biography": ("bio profil", "profile bio"),
    "field.full_name": ("nama profil", "profile name"),
    "field.external_url": ("tautan di bio", "link in bio"),
    "field.business_category": ("kategori bisnis", "business category"),
    "role.reviewer": ("peninjau", "reviewer"),
    "role.admin": ("admin", "admin"),
}

MONTHS: Final = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **values)`` for one language; an unknown key shows itself, so it gets noticed."""
    index = 1 if lang == "en" else 0

    def t(key: str, **values: object) -> str:
        pair = _TEXT.get(key) or _LABELS.get(key)
        if pair is None:
            return key
        return pair[index].format(**values) if values else pair[index]

    return t


def label(lang: str, kind: str, code: str | None) -> str:
    """The label of a code (e.g. kind 'check', code 'promotion'); the code itself if unknown."""
    if code is None:
        return ""
    pair = _LABELS.get(f"{kind}.{code}")
    return code if pair is None else pair[1 if lang == "en" else 0]
