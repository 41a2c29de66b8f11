"""One explained network's relevance file and summary, built chunk by chunk.

Where a chunk of jets is explained (this process or a Dask worker), :func:`chunk_parts` turns
its relevances into what the file and the summary need: per-jet columns, the constituents'
values as flat arrays, a few numbers per jet (logit, delta, XAUG relevances, shares) and, for
what is per constituent, sums that add up over chunks (the ΔR and pT profiles, the (Δη, Δφ)
maps, the mean images, the pair profiles). :class:`RelevanceSummary` then takes the chunks' parts
in order, appends each chunk's rows to the relevance Parquet file (one row group per chunk) and
adds them up, without keeping a jet: the per-class means and the XAUG ranking's bootstrap are
running sums, and the two medians (|δ| / |logit|, IG steps) read their columns back from the
finished file. Memory follows the chunk, not the number of jets; the summary equals the one
computed from every jet at once up to the order of floating-point additions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import pyarrow.parquet as pq

from jetxai.evaluate.relevance import (
    ClassMeans,
    XaugRanking,
    branch_share,
    eta_phi_map_from,
    eta_phi_sums,
    feature_share_per_jet,
    image_sums,
    mean_images_from,
    profile_from,
    profile_sums,
    subjet_share_per_jet,
)
from jetxai.features import column
from jetxai.models.spec import ModelSpec

#: ΔR-to-the-axis bin edges of the constituent relevance profiles.
DR_EDGES = np.linspace(0.0, 1.0, 11)
#: log10 pT-fraction bin edges of the constituent relevance profiles.
PT_FRACTION_EDGES = np.linspace(-4, 0, 9)
#: (Δη, Δφ) bin edges of the mean relevance maps of constituent taggers (R = 0.8 jets).
ETA_PHI_EDGES = np.linspace(-0.8, 0.8, 17)
#: Exclusive-kT subjets the constituents' relevance is shared among (three: a top's decay).
SUBJETS = 3


def _constituent_quantities(
    jets: ak.Array, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """ΔR to the jet axis, pT fraction, Δη and Δφ of the n hardest constituents, zero padded."""
    from jetxai.features import constituents

    x, _ = constituents(jets, n=n, fields=("dr", "pt_rel", "deta", "dphi"))
    x = x.astype(np.float64)
    return x[..., 0], x[..., 1], x[..., 2], x[..., 3]


def chunk_parts(
    result: dict[str, np.ndarray], jets: ak.Array, labels: np.ndarray, spec: ModelSpec
) -> dict[str, np.ndarray]:
    """What the summary and the relevance file need of one explained chunk, as flat arrays (so
    it is computed where the chunk is explained, by a Dask worker too, and stored in its chunk
    file): ``column:<name>`` per-jet file columns, ``flat:<name>`` jagged ones (with ``counts``
    constituents per jet), ``keep:<name>`` per-jet numbers for the summary, ``sum:<what>|<part>``
    sums that add over chunks. The per-constituent relevance itself is not kept."""
    from jetxai.features.subjets import subjet_membership

    parts = {
        k: v for k, v in result.items() if k in ("logit", "delta", "xaug", "ig_steps")
        or k.startswith(("source:", "pairsum:", "paircount:"))
    }  # fmt: skip
    if "xaug" in result:
        for name in spec.xaug:
            if column(name) in ak.fields(jets):  # the jet's own value, beside its relevance
                values = ak.to_numpy(jets[column(name)]).astype(np.float64)
                parts[f"column:{column(name)}"] = values
    if "low_level" not in result:
        return parts
    low = result["low_level"]
    parts["column:rel_low_level"] = low.reshape(len(low), -1).sum(axis=1)
    if "xaug" in result:
        parts["keep:branch_share"] = branch_share(low, result["xaug"])
    sources = sorted(k for k in result if k.startswith("source:"))
    n = len(low)
    totals = [np.abs(low.reshape(n, -1)).sum(axis=1)]
    totals.append(np.abs(result["xaug"]).sum(axis=1) if "xaug" in result else np.zeros(n))
    parts["keep:source_total"] = np.stack(totals + [np.abs(result[s]) for s in sources], axis=1)
    if "mask" not in result:  # an image tagger
        parts |= {f"sum:images|{k}": v for k, v in image_sums(low[:, 0], labels).items()}
        parts["column:rel_image"] = low.reshape(n, -1)
        return parts
    mask = result["mask"]
    per_constituent = low.sum(axis=-1)
    parts["counts"] = mask.sum(axis=1)
    dr, pt_frac, deta, dphi = _constituent_quantities(jets, mask.shape[1])
    parts["flat:rel_constituents"] = per_constituent[mask]
    for name, value in (("deta", deta), ("dphi", dphi), ("pt_rel", pt_frac)):
        parts[f"flat:constituent_{name}"] = value[mask]
    parts["keep:feature_share"] = feature_share_per_jet(low)
    sums = {
        "map": eta_phi_sums(per_constituent, mask, deta, dphi, labels, ETA_PHI_EDGES),
        "profile_dr": profile_sums(low, mask, dr, DR_EDGES),
        "profile_pt": profile_sums(
            low, mask, np.log10(np.maximum(pt_frac, 1e-6)), PT_FRACTION_EDGES
        ),
    }
    for part, rows in (("signal", labels == 1), ("background", labels != 1)):
        sums[f"profile_dr_{part}"] = profile_sums(low[rows], mask[rows], dr[rows], DR_EDGES)
    for what, values in sums.items():
        parts |= {f"sum:{what}|{k}": v for k, v in values.items()}
    membership = subjet_membership(jets, mask.shape[1], SUBJETS)
    parts["keep:subjet_share"] = subjet_share_per_jet(low, membership, SUBJETS)
    return parts


def _parts(totals: dict[str, np.ndarray], what: str) -> dict[str, np.ndarray]:
    return {k.split("|", 1)[1]: v for k, v in totals.items() if k.startswith(f"{what}|")}


class RelevanceSummary:
    """The relevance file at ``path`` and the summary of one network (see the module docs)."""

    def __init__(self, path: Path, spec: ModelSpec) -> None:
        self.path, self.spec = path, spec
        #: the XAUG ranking and the per-class means of per-jet shares, as running sums
        self.ranking: XaugRanking | None = None
        self.means: dict[str, ClassMeans] = {}
        self.totals: dict[str, np.ndarray] = {}
        self.sources: list[str] = []
        self._writer: pq.ParquetWriter | None = None
        self._temporary = path.with_name(f".{path.name}.tmp")

    def _mean(self, name: str, value: np.ndarray, labels: np.ndarray) -> None:
        self.means.setdefault(name, ClassMeans()).add(value, labels)

    def add(
        self,
        parts: dict[str, np.ndarray],
        labels: np.ndarray,
        test_rows: np.ndarray,
        processes: np.ndarray,
    ) -> None:
        """One chunk: its :func:`chunk_parts`, its jets' labels, rows in the test split and
        processes. Nothing per jet stays in memory: the rows go to the file, the rest into
        running sums."""
        columns: dict[str, Any] = {
            "test_row": test_rows,
            "label": labels,
            "process": ak.Array(processes.tolist()),
            "logit": parts["logit"],
            "delta": parts["delta"],
        }
        if "xaug" in parts:
            self.ranking = self.ranking or XaugRanking(self.spec.xaug)
            self.ranking.add(parts["xaug"], labels)
            for k, name in enumerate(self.spec.xaug):
                columns[f"rel_xaug_{name}"] = parts["xaug"][:, k]
        self.sources = sorted(k.removeprefix("source:") for k in parts if k.startswith("source:"))
        for key, value in parts.items():
            kind, _, name = key.partition(":")
            if kind == "column":
                columns[name] = ak.from_regular(ak.Array(value)) if value.ndim == 2 else value
            elif kind == "flat":
                columns[name] = ak.unflatten(value, parts["counts"])
            elif kind == "keep" and name == "source_total":
                self._mean("shares", self._source_shares(value, "xaug" in parts), labels)
            elif kind == "keep":
                self._mean(name, value, labels)
            elif kind == "sum" or kind in ("pairsum", "paircount"):
                self.totals[key] = self.totals[key] + value if key in self.totals else value
        if "ig_steps" in parts:
            columns["ig_steps"] = parts["ig_steps"].astype(np.int64)
        for name in self.sources:
            columns[f"rel_{name}"] = parts[f"source:{name}"]
        self._write(columns)

    def _source_names(self) -> list[str]:
        return ["particles", *(["xaug"] if self.ranking is not None else []), *self.sources]

    @staticmethod
    def _source_shares(totals: np.ndarray, with_xaug: bool) -> np.ndarray:
        """Each jet's share of Σ|relevance| per branch: particles, XAUGs (where the tagger has
        them) and every source of its own."""
        if not with_xaug:
            totals = np.delete(totals, 1, axis=1)
        total = totals.sum(axis=1, keepdims=True)
        return np.divide(totals, total, out=np.zeros_like(totals), where=total > 0)

    def _write(self, columns: dict[str, Any]) -> None:
        contiguous = {
            k: np.ascontiguousarray(v) if isinstance(v, np.ndarray) else v
            for k, v in columns.items()
        }
        table = ak.to_arrow_table(ak.zip(contiguous, depth_limit=1), extensionarray=False)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._temporary, table.schema, compression="zstd")
        self._writer.write_table(table)

    def close(self) -> None:
        """Finish the relevance file (renamed into place only now: never half written)."""
        if self._writer is not None:
            self._writer.close()
            self._temporary.replace(self.path)
            self._writer = None

    def abort(self) -> None:
        """Drop the unfinished relevance file."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._temporary.unlink(missing_ok=True)

    def _column(self, name: str) -> np.ndarray:
        """One per-jet column of the finished relevance file (read back for a median)."""
        return np.asarray(pq.read_table(self.path, columns=[name]).column(name))

    def summary(self) -> dict[str, Any]:
        """The network's summary (the ``seeds`` entries of ranking.json, less the checkpoint),
        from the running sums and, for the medians, the finished file's columns."""
        logit, delta = self._column("logit"), self._column("delta")
        out: dict[str, Any] = {
            "conservation": {
                "median_abs_delta_over_logit": float(
                    np.median(np.abs(delta) / (np.abs(logit) + 1e-12))
                )
            }
        }
        del logit, delta
        if self.ranking is not None:
            out["ranking"] = self.ranking.result()
        if "branch_share" in self.means:
            out["xaug_share"] = self.means["branch_share"].result()
        if "feature_share" in self.means:
            share = self.means["feature_share"]
            out["feature_share"] = {
                name: share.result(k) for k, name in enumerate(self.spec.constituent_fields)
            }
            out["map_eta_phi"] = eta_phi_map_from(_parts(self.totals, "sum:map"), ETA_PHI_EDGES)
            out["profile_dr"] = profile_from(_parts(self.totals, "sum:profile_dr"), DR_EDGES)
            out["profile_dr_by_class"] = {
                part: profile_from(_parts(self.totals, f"sum:profile_dr_{part}"), DR_EDGES)
                for part in ("signal", "background")
            }
            out["profile_pt_fraction"] = profile_from(
                _parts(self.totals, "sum:profile_pt"), PT_FRACTION_EDGES
            )
            subjets = self.means["subjet_share"]
            out["subjet_share"] = {f"subjet_{k + 1}": subjets.result(k) for k in range(SUBJETS)}
        if _parts(self.totals, "sum:images"):
            images = mean_images_from(_parts(self.totals, "sum:images"))
            out["images"] = {k: v.tolist() for k, v in images.items()}
            out["images"]["extent"] = self.spec.image_extent  # pixels span [−extent, extent]²
        if "ig_steps" in pq.read_schema(self.path).names:
            steps = self._column("ig_steps")
            out["ig_steps"] = {
                "mean": float(steps.mean()),
                "median": float(np.median(steps)),
                "max": int(steps.max()),
            }
        if self.sources:
            shares = self.means["shares"]
            out["shares"] = {name: shares.result(k) for k, name in enumerate(self._source_names())}
        return out

    def pair_sums(self) -> dict[str, np.ndarray]:
        """The added pair-profile sums and counts (``pairsum:…`` / ``paircount:…``)."""
        return {k: v for k, v in self.totals.items() if k.startswith(("pairsum:", "paircount:"))}
