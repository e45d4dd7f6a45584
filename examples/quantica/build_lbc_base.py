"""Write examples/quantica/dossiers/gers-synthetic.json: the LBC Grandes Cultures v2.0 dossier of
the SYNTHETIC Gers farm of gers-synthetic.json, as an adviser would hold it before the
satellite measurement (`carbonspec intercrop ... --dossier` fills its cover crops).

    python examples/quantica/build_lbc_base.py        (from the repository root)

Every value is a plausible order of magnitude for a Gers farm, not a record: the farm is
fictitious.  The dossier says nothing of cover crops (no `intercultures`, the biomass mode left
to its default); the intercrop tool writes them for the campaigns it measured.
- one farm, the two cropping systems of gers-synthetic.json in the same order (the tool matches
  them by position): blé tendre / tournesol on 36.2 ha (plots P1-P3) and maïs grain / soja on
  26.3 ha (P4-P6); the same crop on the whole system each year, as the plots' successions say
  (2022 wheat / maize, 2023 sunflower / soybean, ...);
- first project year t = 2023 (k = 0), as `first_project_year` of gers-synthetic.json: the
  reference is 2020-2022, the project 2023-2027;
- specific reference (5.3, L1042-L1049); the lever is the cover crops, so the fertilisation and
  yields are the same in every year: wheat 6.5 t/ha, 170 kg N/ha (ammonitrate); sunflower
  2.5 t/ha, 50 kg N/ha; maize 9.5 t/ha, 180 kg N/ha (solution azotée 30); soybean 3.0 t/ha, no N;
- Sfin_ref and Sfin are example stocks (t C/ha), not a soil-model run: the intercrop tool's AMG
  with and without cover crops is per plot and is not the method's reference-vs-project
  difference (digest B.4, semantic gap 1);
- fuel by method A: 5 400 L of GNR a year (about 86 L/ha).
Every plot of a system is in the same phase of its two-year rotation, so the reference years
(2020-2022: two wheat or maize years of three) carry more mineral N than the project's (two of
five): RE_fertilisation there comes from the rotation's phase and a three-year reference, not
from the cover crops.  The cover crops add the nitrogen of their residues (QN_résidus_CI) to the
measured project years.
"""
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
T0 = 2023
SYSTEMS = [  # (area ha, crop of even years, crop of odd years, Sfin_ref, Sfin)
    (36.2, "ble_tendre", "tournesol", 48.6, 48.9),
    (26.3, "mais_grain", "soja", 45.2, 45.4),
]
CROPS = {  # yield kg/ha (RDT_reel), mineral N kg/ha, product
    "ble_tendre": (6500.0, 170.0, "ammonitrate_33_5"),
    "tournesol": (2500.0, 50.0, "ammonitrate_33_5"),
    "mais_grain": (9500.0, 180.0, "solution_azotee_30"),
    "soja": (3000.0, 0.0, None),
}


def year(k: int, area: float, even: str, odd: str) -> dict:
    crop = even if (T0 + k) % 2 == 0 else odd
    rdt, n, product = CROPS[crop]
    y = {"k": k, "Surf": area, "cultures": [{"espece": crop, "Surf_culture": area, "RDT_reel": rdt}]}
    if product:
        y["mineraux"] = [{"produit_min": product, "QN": round(n * area, 1)}]
    return y


def build() -> dict:
    sau = round(sum(s[0] for s in SYSTEMS), 1)
    return {
        "method": "lbc_gc", "version": "2.0",
        "name": "EARL des Coteaux (Gers, FICTIVE) — dossier de base avant la mesure des couverts par satellite "
                "(DONNÉES SYNTHÉTIQUES, examples/quantica/build_lbc_base.py)",
        "project": {"farms": [{
            "type_reference": "specifique", "outil_certifie": True, "conditionnalite_PAC": True,
            "leviers_declares": 1, "methode_combustibles": "A",
            "annees": [{"k_exploitation": k, "SAU": sau,
                        "combustibles": [{"energie_combustible": "gnr", "Consommation": 5400.0}]}
                       for k in range(-3, 5)],
            "systems": [{"Sfin_ref": sref, "Sfin": sfin,
                         "years": [year(k, area, even, odd) for k in range(-3, 5)]}
                        for area, even, odd, sref, sfin in SYSTEMS],
        }]},
    }


def main():
    out = HERE / "dossiers" / "gers-synthetic.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
