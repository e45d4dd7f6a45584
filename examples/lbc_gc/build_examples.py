"""Writes the example dossiers of examples/lbc_gc/ (JSON, and the xlsx twin of yonne-120ha).

The agronomic values are chosen here, in one place, with the reason for each; the JSON files
are committed outputs of this script (run it after changing a value, from the repository
root: `python examples/lbc_gc/build_examples.py`).  Line numbers Lnnnn cite
../shared/methods/lbc-grandes-cultures-v2.0.fr.txt; README.md next to this file says what
each dossier exercises.

Soil carbon stocks (Sfin, Sfin_ref, Sfin_miscanthus, ...) are example values consistent with
the method's orders of magnitude (Tableau 3, L596: cover crops +174 kg C/ha/an), not AMG
simulations: a real dossier takes them from the soil model (Annexe 13, L1951).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REF, PROJ = (-3, -2, -1), (0, 1, 2, 3, 4)


def r2(x: float) -> float:
    return round(x, 2)


# ------------------------------------------------------------------ helpers --
def culture(espece, surf, rdt_q, exported=False, **kw):
    """A main crop: surface (ha), yield in q/ha of harvested product (RDT_reel in kg MB/ha)."""
    c = {"espece": espece, "Surf_culture": float(surf), "RDT_reel": rdt_q * 100.0}
    if exported:
        c["residus_exportes"] = True
    c.update(kw)
    return c


def mineral(produit, qn=0.0, **kw):
    m = {"produit_min": produit}
    if qn:
        m["QN"] = r2(qn)
    m.update(kw)
    return m


def urea(qn):
    """Urea 46 % N: the product dose D_urée (L1453) follows from the N applied."""
    return mineral("uree_46", qn, D_uree=r2(qn / 0.46))


def farm_years(sau, per_year):
    """Farm years k = -3 .. 4 with the SAU; per_year maps k -> extra fields."""
    return [{"k_exploitation": k, "SAU": float(sau), **per_year.get(k, {})} for k in REF + PROJ]


def gnr(litres):
    """Method A: the year's invoiced non-road diesel (Équation 15, L1550-L1558)."""
    return {"combustibles": [{"energie_combustible": "gnr", "Consommation": float(litres)}]}


# ================================================= yonne-120ha (5.4, L1080) ==
# L1080: "une exploitation de 120 hectares avec un seul système de culture comportant
# 60 hectares de blé, 30 hectares d'orge et 30 hectares de colza en sols argilo-calcaire,
# située dans le département de l'Yonne".  The text's example takes a semi-generic reference;
# here the same farm has its own 3 years of records, so the reference is specific (5.3, L1042):
# the crop areas of its reference years are those of Etape 1 (L1086-L1091, R2017-R2019).
YONNE_ROTATION = {  # k: (wheat, barley, rapeseed) ha — L1088-L1090
    -3: (66, 30, 24), -2: (54, 35, 31), -1: (60, 25, 35),
}
# Yields and mineral N of the SSP 2017 survey quoted by the method for this rotation (L577):
# wheat 70 q/ha, 161 kg N/ha; barley 65 q/ha, 124 kg N/ha; rapeseed 35 q/ha, 153 kg N/ha.


def yonne_reference_year(k):
    ble, orge, colza = YONNE_ROTATION[k]
    return {
        "k": k, "Surf": 120.0,
        # section 7: IFT of the system (farm records), all ploughed, residues buried, no winter cover
        # except the rapeseed sown in late summer (its share of the area)
        "IFT": 4.1, "F_labour": 1.0, "F_travail_reduit": 0.0, "F_non_travail": 0.0, "F_residus": 0.0,
        "F_culture_couvert": r2(colza / 120.0),
        "cultures": [culture("ble_tendre", ble, 70), culture("orge_hiver", orge, 65, exported=True),
                     culture("colza", colza, 35)],
        # wheat: 50 kg N/ha as UAN + 111 as ammonium nitrate; barley: ammonium nitrate;
        # rapeseed: 60 kg N/ha as urea + 93 as ammonium nitrate; P on rapeseed (60 kg P2O5/ha)
        "mineraux": [mineral("solution_azotee_30", 50 * ble),
                     mineral("ammonitrate_33_5", 111 * ble + 124 * orge + 93 * colza),
                     urea(60 * colza),
                     mineral("superphosphate_45", QP=60.0 * colza)],
    }


def yonne_project_year(k):
    # Levers: (1) nitrogen trimmed by the balance method and split applications, urea dropped
    # for ammonium nitrate (L577: 100 kg N of urea -> ammonium nitrate saves 114 kg CO2e/ha);
    # (2) winter barley replaced by spring barley after a 2.5 t DM/ha multi-species cover crop
    # (vetch + oats + phacelia) over winter on its 30 ha (Tableau 3 L596, "intégration des couverts").
    return {
        "k": k, "Surf": 120.0,
        # section 7: a lower IFT (balanced rotation), the barley sown without ploughing after the
        # cover crop (30 of 120 ha in reduced tillage, its residues left on the surface), winter
        # cover on the rapeseed and the cover-crop area
        "IFT": 3.6, "F_labour": 0.75, "F_travail_reduit": 0.25, "F_non_travail": 0.0, "F_residus": 0.25,
        "F_culture_couvert": 0.5,
        "cultures": [culture("ble_tendre", 60, 70), culture("orge_printemps", 30, 60, exported=True),
                     culture("colza", 30, 35)],
        "intercultures": [{"espece_CI": "multi_especes_avec_legumineuses", "Surf_CI": 30.0, "BIOM": 2.5}],
        # wheat 145 kg N/ha (45 UAN + 100 AN), spring barley 95, rapeseed 138 (all AN; the
        # cover crop's legume N is credited by the balance)
        "mineraux": [mineral("solution_azotee_30", 45 * 60),
                     mineral("ammonitrate_33_5", 100 * 60 + 95 * 30 + 138 * 30),
                     mineral("superphosphate_45", QP=60.0 * 30)],
    }


def yonne_120ha():
    # Fuel (method A, invoices): about 100 L GNR/ha; in the project the cover crop adds a sowing
    # and a rolling (+ ~10 L/ha on 30 ha) and one fertiliser pass less on rapeseed saves a little.
    fuel = {-3: 12150, -2: 11900, -1: 12050, 0: 12250, 1: 12200, 2: 12250, 3: 12200, 4: 12250}
    farm = {
        "type_reference": "specifique",
        "outil_certifie": True, "conditionnalite_PAC": True, "leviers_declares": 2,
        "methode_combustibles": "A",
        # Annexe 17: the illustrative canton with aléa 3 in winter (the official GIS Sol file is
        # not published): the erosion co-benefit is mandatory here
        "canton": "exemple_canton_2",
        "annees": farm_years(120, {k: gnr(v) for k, v in fuel.items()}),
        "systems": [{
            # clay-limestone soil, 0-30 cm; cover crops +174 kg C/ha/an on 30 of 120 ha over 5 years
            # (L596): (Sfin - Sfin_ref) = 0.174 × 30/120 × 5 ≈ 0.22 t C/ha
            "Sfin_ref": 54.80, "Sfin": 55.02,
            "years": [yonne_reference_year(k) for k in REF] + [yonne_project_year(k) for k in PROJ],
        }],
    }
    return {"method": "lbc_gc", "version": "2.0",
            "name": "Exploitation de l'Yonne, 120 ha, un système blé-orge-colza, argilo-calcaire "
                    "(exemple de 5.4, L1080-L1091), référence spécifique ; couverts et azote réduit",
            "project": {"farms": [farm]}}


# ============================================================ multi-systemes ==
# A 150 ha farm in the Centre-Val de Loire with four cropping systems, each carrying levers of
# a different part of the method; farm-level levers: fuel method C (interventions and thermal
# irrigation, 6.1.2.3), on-farm drying and storage (6.1.3), drying at the storage organisation
# (6.2.1), protein crops (6.2.2).  The project renews an earlier LBC project with a new lever
# (Tableau 5 L635: 10 % non-permanence rabais, L2540) and public funding covers part of a lever
# without additionality shown (nda, 20 %, L2510).

def ms_cereales_acides():
    """S1, 45 ha, acid loam (pH 5.9): liming in year t (calcaire broyé 4 t/ha, L1365-L1375)."""
    def y(k, proj):
        ble_n, orge_n = (150, 120) if proj else (165, 130)
        out = {"k": k, "Surf": 45.0,
               "cultures": [culture("ble_tendre", 25, 72), culture("orge_hiver", 20, 66, exported=True)],
               "mineraux": [mineral("ammonitrate_33_5", ble_n * 25 + orge_n * 20)]}
        if proj:
            out.update(pH_initial=5.9, pH_final=6.6, k_chaulage=float(k))
            if k == 0:
                out["amendements"] = [{"produit_amd": "calcaire_broye", "Q_brut": 4000.0 * 45}]
        return out
    return {"Sfin_ref": 41.30, "Sfin": 41.45, "years": [y(k, False) for k in REF] + [y(k, True) for k in PROJ]}


def ms_mais_irrigue():
    """S2, 35 ha, irrigated grain maize / wheat; pig slurry buried within 4 h in the project."""
    def y(k, proj):
        out = {"k": k, "Surf": 35.0,
               "cultures": [culture("mais_grain", 20, 105), culture("ble_tendre", 15, 75)],
               "mineraux": [mineral("solution_azotee_30", (150 if proj else 180) * 20 + 160 * 15)],
               "organiques": [{"produit_org": "lisier_porc", "Q_org": 30.0 * 20,
                               "materiel": "pendillard" if proj else "buse_palette",
                               "delai": "moins_4h" if proj else "plus_24h"}]}
        if proj:
            out.update(pH_initial=7.6, pH_final=7.6, k_chaulage=float(k))  # calcareous: no liming effect
        return out
    return {"Sfin_ref": 47.10, "Sfin": 47.10, "years": [y(k, False) for k in REF] + [y(k, True) for k in PROJ]}


def ms_legumineuses():
    """S3, 55 ha: peas and faba beans enter a rapeseed-wheat rotation (less mineral N)."""
    def y(k, proj):
        if proj:
            cult = [culture("colza", 15, 34), culture("ble_tendre", 20, 74), culture("pois", 12, 42),
                    culture("feverole", 8, 40)]
            n = 150 * 15 + 145 * 20
        else:
            cult = [culture("colza", 20, 33), culture("ble_tendre", 30, 72), culture("pois", 5, 40)]
            n = 160 * 20 + 165 * 30
        out = {"k": k, "Surf": 55.0, "cultures": cult, "mineraux": [mineral("ammonitrate_33_5", n)]}
        if proj:
            out.update(pH_initial=7.1, pH_final=7.1, k_chaulage=float(k))
        return out
    return {"Sfin_ref": 44.00, "Sfin": 44.20, "years": [y(k, False) for k in REF] + [y(k, True) for k in PROJ]}


def ms_miscanthus():
    """S4, 15 ha: an isolated system (L434); 10 ha planted with miscanthus in year 1 (n = 1, L451),
    the rest stays in wheat.  Its storage is counted at t+20 by Équation 28 only (choice X1)."""
    def y(k, proj):
        if proj:
            cult = [culture("ble_tendre", 5, 70)]
            n = 160 * 5
        else:
            cult = [culture("ble_tendre", 8, 70), culture("orge_hiver", 7, 63, exported=True)]
            n = 165 * 8 + 125 * 7
        out = {"k": k, "Surf": 15.0, "cultures": cult, "mineraux": [mineral("ammonitrate_33_5", n)]}
        if proj:
            # fuel on the miscanthus plots: planting year heavier (rhizome planting), then harvest only
            out.update(pH_initial=7.0, pH_final=7.0, k_chaulage=float(k),
                       EGES_combustibles_miscanthus=0.9 if k == 0 else 0.45)
        return out
    return {"years": [y(k, False) for k in REF] + [y(k, True) for k in PROJ],
            "parcelles_miscanthus": [{"SAU_plantation": 10.0, "annee_plantation": 1, "proprietaire": True,
                                      "Sfin_miscanthus": 52.5, "Sfin_ref_miscanthus": 46.0}]}


def interventions(k):
    """Method C (Équation 16, Annexe 9 per-type factors): the field operations of year k on 150 ha.
    Project: direct drilling replaces ploughing on 60 ha (S1 and part of S3)."""
    proj = k >= 0
    ops = [("dechaumage", 150), ("semis", 90 if proj else 150), ("pulverisation", 4 * 150),
           ("epandage_engrais", 3 * 150), ("epandage_organique", 20), ("moisson", 150)]
    ops += [("labour", 40), ("semis_direct", 60)] if proj else [("labour", 100)]
    return [{"type_intervention": t, "Surface_intervention": float(s)} for t, s in ops]


def irrigation(k):
    """20 ha of maize at 1 800 m3/ha; the hose reel is replaced by a pivot in the project."""
    system = "pivot" if k >= 0 else "enrouleur"
    return [{"systeme_irrigation": system, "Volume_eau": 36000.0}]


def multi_systemes():
    annees = farm_years(150, {k: {"interventions": interventions(k), "irrigations": irrigation(k)}
                               for k in REF + PROJ})
    farm = {
        "type_reference": "specifique", "levier_chaulage": True,
        "methode_combustibles": "C",
        "levier_sechage_stockage": True, "levier_aval": True,
        "outil_certifie": True, "conditionnalite_PAC": True, "leviers_declares": 6,
        "renouvellement": True, "renouvellement_levier_nouveau": True,
        "nda": True,
        "MRP_contrat_vente": True,
        "annees": annees,
        "systems": [ms_cereales_acides(), ms_mais_irrigue(), ms_legumineuses(), ms_miscanthus()],
        # 6.1.3: the farm dries part of its maize (natural gas, kg) and stores its wheat with
        # ventilation (electricity); a new dryer burner and night ventilation cut consumption
        "postes_ferme": [
            {"installation": "sechage", "annees_poste": [
                {"k_poste": k, "tonnage_poste": 1200.0, "energie_poste": "gaz_naturel",
                 "Conso_poste_kg": 2900.0 if k < 0 else 2350.0} for k in REF + PROJ]},
            {"installation": "stockage", "annees_poste": [
                {"k_poste": k, "tonnage_poste": 2600.0, "energie_poste": "electricite",
                 "Conso_poste_kWh": 5200.0 if k < 0 else 4100.0} for k in REF + PROJ]},
        ],
        # 6.2.1: the rest of the maize goes to the cooperative; earlier varieties are harvested
        # drier (L810), 32 % -> 27 % moisture
        "cultures_OS": [{"culture_sechee_OS": "mais_grain", "annees_OS": [
            {"k_OS": k, "H_recolte": h, **({"tonnage_seche_OS": 90.0} if k >= 0 else {})}
            for k, h in zip(REF + PROJ, (32.0, 31.0, 33.0, 28.0, 27.5, 27.0, 27.0, 26.5))]}],
        # 6.2.2: more peas and faba beans sold to a feed maker under contract (RatioMRP traced)
        "cultures_MRP": [
            {"culture_source_MRP": "pois", "RatioMRP_trace": 0.9, "annees_MRP": [
                {"k_MRP": k, "Rdt_MRP": 4.0 if k < 0 else 4.2, "Surf_MRP": 5.0 if k < 0 else 12.0}
                for k in REF + PROJ]},
            {"culture_source_MRP": "feverole", "RatioMRP_trace": 0.85, "annees_MRP": [
                {"k_MRP": k, "Rdt_MRP": 4.0, "Surf_MRP": 0.0 if k < 0 else 8.0} for k in REF + PROJ]},
        ],
    }
    return {"method": "lbc_gc", "version": "2.0",
            "name": "Exploitation de polyculture, 150 ha, 4 systèmes (chaulage, maïs irrigué, légumineuses, "
                    "miscanthus) ; combustibles méthode C, séchage/stockage, séchage OS, MRP ; "
                    "renouvellement, nda",
            "project": {"farms": [farm]}}


# =========================================================== projet-collectif ==
# A collective project (1.4, L355) carried by a mandataire (a cooperative) for three farms;
# each farm chooses its own reference type and fuel method (L903: one type per farm).

def collectif_yonne():
    """Farm 1: the Yonne farm above."""
    return yonne_120ha()["project"]["farms"][0]


def collectif_semi_generique():
    """Farm 2: a 90 ha mixed dairy farm joining with a semi-generic reference (5.4.1, L1065-L1076:
    its rotation from the CAP declarations, practices from the regional references of Annexe 3-1);
    10 % rabais (Tableau 18, L2539).  Fuel: method B (one meter for the dairy unit and the crops,
    Annexe 10); the reference years use the per-crop fuel references (L1113, mode par_culture)."""
    def system_year(k, proj):
        # regional practice (reference) vs the farm's own trimmed practice (project)
        ble_n, mais_n = (140, 120) if proj else (170, 150)
        return {"k": k, "Surf": 60.0,
                "cultures": [culture("ble_tendre", 30, 68), culture("mais_grain", 15, 95),
                             culture("orge_printemps", 15, 58, exported=True)],
                "mineraux": [mineral("ammonitrate_33_5", ble_n * 30 + mais_n * 15 + 110 * 15)],
                "organiques": [{"produit_org": "fumier_bovin", "Q_org": 25.0 * 15, "materiel": "epandeur_fumier",
                                "delai": "moins_24h" if proj else "plus_24h"}]}

    def annee(k):
        if k < 0:  # semi-generic reference years: per-crop fuel references (L/ha, SOLAGRO)
            return {"interventions": [
                {"mode_conso": "par_culture", "Surface_intervention": 30.0, "Conso_culture_L_ha": 95.0},
                {"mode_conso": "par_culture", "Surface_intervention": 15.0, "Conso_culture_L_ha": 110.0},
                {"mode_conso": "par_culture", "Surface_intervention": 15.0, "Conso_culture_L_ha": 85.0}]}
        return {"Carbu_totale": 11800.0 - 150.0 * k, "UGB_BL": 55.0, "Surf_fourrages_BL": 30.0,
                "systeme_fourrager": "mais_5_25", "Surf_cultures_vendues": 60.0}

    return {
        "type_reference": "semi_generique", "methode_combustibles": "B",
        "outil_certifie": True, "conditionnalite_PAC": True, "leviers_declares": 2,
        "annees": farm_years(90, {k: annee(k) for k in REF + PROJ}),
        "systems": [{"Sfin_ref": 49.0, "Sfin": 49.3,
                     "years": [system_year(k, False) for k in REF] + [system_year(k, True) for k in PROJ]}],
    }


def collectif_fumier():
    """Farm 3: a 70 ha cereal farm on a 4-year project (t .. t+3, L1236: 1 to 5 years) that buries
    its poultry manure within 4 h and adds a catch crop of mustard before sunflower."""
    def y(k, proj):
        out = {"k": k, "Surf": 70.0,
               "cultures": [culture("ble_tendre", 35, 65), culture("tournesol", 20, 25), culture("orge_hiver", 15, 60)],
               "mineraux": [mineral("ammonitrate_33_5", (150 if proj else 165) * 35 + 60 * 20 + 120 * 15)],
               "organiques": [{"produit_org": "fumier_volailles", "Q_org": 6.0 * 20, "materiel": "epandeur_fumier",
                               "delai": "moins_4h" if proj else "sans"}]}
        if proj:
            out["intercultures"] = [{"espece_CI": "moutarde_blanche", "Surf_CI": 20.0, "BIOM": 1.8}]
        return out
    ks = (0, 1, 2, 3)
    fuel = {-3: 6900, -2: 7050, -1: 6950, 0: 7000, 1: 6950, 2: 6900, 3: 6950}
    return {
        "type_reference": "specifique", "methode_combustibles": "A",
        "outil_certifie": True, "conditionnalite_PAC": True, "leviers_declares": 2,
        "annees": [{"k_exploitation": k, "SAU": 70.0, **gnr(fuel[k])} for k in REF + ks],
        "systems": [{"Sfin_ref": 45.6, "Sfin": 45.75,
                     "years": [y(k, False) for k in REF] + [y(k, True) for k in ks]}],
    }


def projet_collectif():
    return {"method": "lbc_gc", "version": "2.0",
            "name": "Projet collectif porté par un mandataire (coopérative) : 3 exploitations "
                    "(Yonne en référence spécifique, élevage laitier en semi-générique et méthode B, "
                    "céréalier sur 4 ans)",
            "project": {"farms": [collectif_yonne(), collectif_semi_generique(), collectif_fumier()]}}


# ---------------------------------------------------------------------- main --
EXAMPLES = {"yonne-120ha": yonne_120ha, "multi-systemes": multi_systemes, "projet-collectif": projet_collectif}


def main(root: Path = HERE) -> None:
    written = []
    for name, build in EXAMPLES.items():
        path = root / f"{name}.json"
        path.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        written.append(path)
    # the xlsx twin of yonne-120ha, written by the dossier writer (same dossier, other layout)
    repo = HERE.parents[1]
    from carbonspec.runtime.dossier.xlsx import write_dossier_xlsx
    from carbonspec.runtime.engine.core import load_compiled

    compiled = load_compiled(repo / "generated" / "lbc_gc" / "v2.0")
    xlsx = root / "yonne-120ha.xlsx"
    write_dossier_xlsx(compiled.schema, yonne_120ha(), xlsx, "yonne-120ha")
    written.append(xlsx)
    for p in written:
        sys.stdout.write(f"wrote {p}\n")


if __name__ == "__main__":
    main()
