"""Writes a deterministic synthetic snapshot in instaloader's layout (.json.xz) for the benchmark.

Captions are assembled from Indonesian and English sentence pools with realistic lengths
(median ~250 characters, a long tail to ~1,500) and a realistic share of rule hits: about one
post in five carries promotion, testimonial, personal or patient-identifying wording.
"""

from __future__ import annotations

import json
import lzma
import multiprocessing
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

EDUCATION = [
    "Cuci tangan pakai sabun minimal 20 detik sebelum makan dan setelah dari toilet.",
    "Tekanan darah normal orang dewasa di bawah 120/80 mmHg; cek rutin di puskesmas.",
    "Imunisasi dasar lengkap melindungi anak dari campak, polio, dan difteri.",
    "Minum air putih cukup, kurangi gula, dan olahraga 150 menit per minggu.",
    "Gejala stroke: wajah mencong, lengan lemah, bicara pelo. Segera ke IGD!",
    "Antibiotik tidak menyembuhkan flu karena flu disebabkan virus.",
    "Sunscreen dipakai ulang tiap 2-3 jam bila beraktivitas di luar ruangan.",
    "Remember: fever in infants under 3 months needs a doctor the same day.",
    "Diabetes can be silent for years; a simple fasting glucose test helps.",
    "Jadwal praktik Senin-Kamis pukul 16.00-19.00, pendaftaran via aplikasi RS.",
    "Selamat Hari Kesehatan Nasional, mari jaga kesehatan keluarga.",
    "Terima kasih panitia seminar atas kesempatan berbagi ilmu dengan sejawat.",
]
PROMOTION = [
    "Promo akhir bulan! Facial cuma Rp 199.000, diskon 30% untuk 10 pendaftar pertama.",
    "Pakai kode DOKTER20 buat potongan 20% ya, link di bio!",
    "Klinik terbaik no. 1 di kota ini, hasil dijamin dalam 7 hari!",
    "Paket whitening hemat 499K, DM untuk order sekarang juga, slot terbatas.",
    "Join tim reseller suplemen kami, peluang bisnis menjanjikan!",
]
TESTIMONIAL = [
    "Makasih testimoninya kak, senang bisa membantu #testimonipasien",
    "Repost dari pasien: 'dokternya ramah banget, recommended!' ⭐⭐⭐⭐⭐",
]
PERSONAL = [
    "Liburan ke Bali bareng keluarga, seru banget 🏝️ #holiday",
    "Makan malam di restoran baru, steaknya juara 😋",
    "Happy anniversary sayang, 10 tahun bersama ❤️",
]
PRIVACY = [
    "Pasien saya hari ini Ny. Sulastri 67 tahun dari Bantul, No. RM 00-12-34-56, stroke.",
    "Tn. AS, 45 th, warga Desa Sukamaju, dirawat di kamar 305 karena DBD.",
]


# The snapshot's newest moment, and the day its weekly audit runs (the Monday after): every
# benchmark run is dated RUN_DAY, so its data-quality gate sees the same complete weeks on
# whatever day the benchmark runs. Dated by the wall clock, the "no empty week after a busy
# one" rule blocked publication once a week had passed since the snapshot, and the re-run then
# validated everything again (measured on 2026-12-07: re-run 41 % of the first run, not 7 %).
END = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
RUN_DAY = date(2026, 11, 23)


def _caption(rng: random.Random) -> str:
    parts = [rng.choice(EDUCATION) for _ in range(max(1, int(rng.lognormvariate(1.1, 0.6))))]
    roll = rng.random()
    if roll < 0.10:
        parts.insert(rng.randrange(len(parts) + 1), rng.choice(PROMOTION))
    elif roll < 0.14:
        parts.append(rng.choice(TESTIMONIAL))
    elif roll < 0.20:
        parts = [rng.choice(PERSONAL), *parts[:1]]
    elif roll < 0.22:
        parts.insert(0, rng.choice(PRIVACY))
    text = " ".join(parts)
    if rng.random() < 0.3:
        text += "\n\n#kesehatan #edukasi #dokter"
    return text[:2200]


def _account(i: int) -> tuple[str, str]:
    return f"dr.bench{i:05d}", str(9_000_000_000 + i)


def _write(path: Path, doc: dict[str, object]) -> None:
    with lzma.open(path, "wt", check=lzma.CHECK_NONE) as fh:
        json.dump(doc, fh, separators=(",", ":"))


def _write_account(args: tuple[Path, int, int, int]) -> int:
    out, index, posts, seed = args
    rng = random.Random(seed * 1_000_003 + index)
    username, owner_id = _account(index)
    folder = out / username
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for n in range(posts):
        when = END - timedelta(seconds=rng.randrange(26 * 7 * 86400))
        code = f"B{index:05d}{n:05d}"
        node = {
            "__typename": rng.choice(["GraphImage", "GraphImage", "GraphSidecar", "GraphVideo"]),
            "id": str(3_000_000_000_000_000_000 + index * 100_000 + n),
            "shortcode": code,
            "is_video": False,
            "taken_at_timestamp": int(when.timestamp()),
            "display_url": f"https://scontent.example/{code}.jpg",
            "edge_media_to_caption": {"edges": [{"node": {"text": _caption(rng)}}]},
            "edge_media_preview_like": {"count": rng.randrange(5000)},
            "edge_media_to_comment": {"count": rng.randrange(300)},
            "owner": {"id": owner_id, "username": username},
            "edge_media_to_tagged_user": {"edges": []},
            "edge_media_to_sponsor_user": {"edges": []},
            "location": None,
            "accessibility_caption": "May be an image of 1 person" if rng.random() < 0.5 else None,
        }
        stem = when.strftime("%Y-%m-%d_%H-%M-%S") + "_UTC"
        path = folder / f"{stem}.json.xz"
        suffix = 1
        while path.exists():
            path = folder / f"{stem}_{suffix}.json.xz"
            suffix += 1
        _write(path, {"node": node, "instaloader": {"version": "4.16", "node_type": "Post"}})
        written += 1
    profile = {
        "id": owner_id,
        "username": username,
        "full_name": f"dr. Bench {index}",
        "biography": "Dokter umum. Edukasi kesehatan.",
        "external_url": None,
        "is_private": False,
        "is_verified": False,
        "is_business_account": False,
        "business_category_name": None,
        "edge_followed_by": {"count": 100},
        "edge_follow": {"count": 50},
    }
    _write(
        folder / f"{username}_{owner_id}.json.xz",
        {"node": profile, "instaloader": {"version": "4.16", "node_type": "Profile"}},
    )
    return written


def generate(out: Path, posts: int, *, seed: int = 7, workers: int = 2) -> Path:
    """Writes ``posts`` posts over posts/100 accounts under ``out`` plus a registry.csv beside it.

    Returns the registry path. Re-generating with the same arguments gives the same content.
    """
    accounts = max(1, posts // 100)
    per = [posts // accounts + (1 if i < posts % accounts else 0) for i in range(accounts)]
    out.mkdir(parents=True, exist_ok=True)
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        written = sum(pool.map(_write_account, [(out, i, per[i], seed) for i in range(accounts)]))
    assert written == posts
    registry = out.parent / f"{out.name}-registry.csv"
    lines = ["npa,full_name,branch,specialty,instagram_username,registered_on,branch_email"]
    for i in range(accounts):
        username, _ = _account(i)
        branch = f"IDI Cabang Bench {i % 20:02d}"
        lines.append(f"{800000 + i},dr. Bench {i},{branch},Dokter Umum,{username},2025-01-01,")
    registry.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return registry
