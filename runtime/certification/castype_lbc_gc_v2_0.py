"""The cas-type of LBC Grandes Cultures v2.0 (method section 8.5): one function per case,
named by what it exercises; its docstring is the case's description in the cas-type.

How the cases are built.  Most cases change ONE thing between the reference years
(k = -3..-1) and the project years (k >= 0) of one line item, everything else being equal
in both scenarios, so that line item is (close to) proportional to the method's constant or
branch under test: a tool that codes that constant or branch wrongly then misses the
reference value by more than the 5 % tolerance of Tableau 33 (this is what the mutation
score of `carbonspec castype --mutation` measures).  The rabais cases keep a single
non-zero line item so that `rabais_global` equals the rate under test.  Everything that
does not change between the scenarios (the wheat every year, P and K fertiliser, ...)
cancels in the line items but still exercises its equations and branches.

Co-benefits (section 7) ride on the same cases: their inputs (IFT, the tillage, residue and
cover shares of Équation 34 with a canton of Annexe 17, irrigation water, other energy) do
not enter any RE, so they are added where they fit the case's story without moving its RE
line items; each co-benefit is seen improved and worse, mandatory or not, computed or not.

Which equations, branches and rabais rates the cases cover is computed, not listed here
(runtime/certification/coverage.py): a new equation of the spec without a case shows up as missing.
PROBES are dossiers the current spec refuses because of a known spec defect (coverage.Blocked).
The values are test inputs, chosen to be plausible for a 100-200 ha field-crop farm; they
describe no real farm.
"""
from __future__ import annotations

import copy
from typing import Callable, Dict, Iterable, List, Optional

CASES: Dict[str, Callable[[], dict]] = {}
PROBES: Dict[str, Callable[[], dict]] = {}

REF = (-3, -2, -1)


def case(fn: Callable[[], dict]) -> Callable[[], dict]:
    """Register a cas-type case (in definition order)."""
    CASES[fn.__name__] = fn
    return fn


# ------------------------------------------------------------------ builders --
def project(*farms: dict, name: str) -> dict:
    return {"method": "lbc_gc", "version": "2.0", "name": name, "project": {"farms": list(farms)}}


def farm(systems: Iterable[dict] = (), annees: Optional[List[dict]] = None, n_proj: int = 2,
         SAU: float = 100.0, **inputs) -> dict:
    """An eligible farm with a specific reference; farm years without fuel data unless given."""
    f = {"type_reference": "specifique", "outil_certifie": True, "conditionnalite_PAC": True,
         "leviers_declares": 1}
    f.update(inputs)
    f["annees"] = annees if annees is not None else farm_years(lambda k: {}, n_proj, SAU)
    f["systems"] = list(systems)
    return f


def farm_years(fields: Callable[[int], dict], n_proj: int = 2, SAU: float = 100.0) -> List[dict]:
    out = []
    for k in (*REF, *range(n_proj)):
        y = {"k_exploitation": k, "SAU": SAU}
        y.update(copy.deepcopy(fields(k)))
        out.append(y)
    return out


def system(fields: Callable[[int], dict], n_proj: int = 2, Surf: float = 100.0, Sfin: float = 50.0,
           Sfin_ref: float = 50.0, **inputs) -> dict:
    """A cropping system: fields(k) gives the inputs of year k (wheat on the whole area
    and nothing else unless given)."""
    years = []
    for k in (*REF, *range(n_proj)):
        y = {"k": k, "Surf": Surf, "cultures": [wheat(Surf)]}
        y.update(copy.deepcopy(fields(k)))
        years.append(y)
    s = {"Sfin": Sfin, "Sfin_ref": Sfin_ref, "years": years}
    s.update(inputs)
    return s


def misc_system(fields: Callable[[int], dict], plots: List[dict], n_proj: int = 2, Surf: float = 20.0) -> dict:
    """A miscanthus cropping system (L434): its plots, and no Sfin/Sfin_ref (Équation 28 counts
    its storage, choice X1)."""
    s = system(fields, n_proj=n_proj, Surf=Surf, parcelles_miscanthus=plots)
    del s["Sfin"], s["Sfin_ref"]
    return s


def ref_proj(ref: dict, proj: dict) -> Callable[[int], dict]:
    return lambda k: ref if k < 0 else proj


def wheat(surf: float = 100.0, **kw) -> dict:
    c = {"espece": "ble_tendre", "Surf_culture": surf, "RDT_reel": 7500.0}
    c.update(kw)
    return c


def mineral(produit: str, QN: float = 0.0, **kw) -> dict:
    m = {"produit_min": produit, "QN": QN}
    m.update(kw)
    return m


def organic(produit: str, Q_org: float, materiel: str, delai: str = "sans", **kw) -> dict:
    o = {"produit_org": produit, "Q_org": Q_org, "materiel": materiel, "delai": delai}
    o.update(kw)
    return o


def poste(installation: str, years: Dict[int, dict]) -> dict:
    return {"installation": installation,
            "annees_poste": [dict(k_poste=k, **v) for k, v in sorted(years.items())]}


def culture_os(culture: str, H: Dict[int, float], tonnage: float) -> dict:
    return {"culture_sechee_OS": culture,
            "annees_OS": [dict(k_OS=k, H_recolte=h, **({"tonnage_seche_OS": tonnage} if k >= 0 else {}))
                          for k, h in sorted(H.items())]}


def culture_mrp(culture: str, production: Dict[int, tuple], **kw) -> dict:
    c = {"culture_source_MRP": culture,
         "annees_MRP": [{"k_MRP": k, "Rdt_MRP": r, "Surf_MRP": s} for k, (r, s) in sorted(production.items())]}
    c.update(kw)
    return c


def probe(refused_because: str, blocks: Iterable[str] = ()) -> Callable[[Callable[[], dict]], Callable[[], dict]]:
    """Register a probe: a dossier a known spec defect makes the spec refuse, with the text its
    refusal must contain and, when it is refused before any computation (by the dossier
    format), the labels of what it would reach (coverage.Blocked)."""
    def register(fn: Callable[[], dict]) -> Callable[[], dict]:
        fn.refused_because = refused_because
        fn.blocks = tuple(blocks)
        PROBES[fn.__name__] = fn
        return fn
    return register


def tillage(labour: float = 0.0, reduit: float = 0.0, non_travail: float = 0.0, residus: float = 0.0,
            couvert: float = 0.0) -> dict:
    """The shares of Équation 34 (erosion factor C_pratique) of a system-year."""
    return {"F_labour": labour, "F_travail_reduit": reduit, "F_non_travail": non_travail, "F_residus": residus,
            "F_culture_couvert": couvert}


PLOUGHED = tillage(labour=1.0)  # ploughed, residues buried, bare in winter: C_pratique = 1


# ======================================================= 6.1.1 fertilisation ==
@case
def fertilisation_mineral_N_reduction() -> dict:
    """RE_fertilisation (Équations 3-5, 8, 9, 12): mineral N reduced from 150 to 120 kg N/ha
    (anhydrous ammonia, incorporated, low FRAC_LESS), K unchanged.  Isolates EF1_min: direct
    N2O is most of the difference.  Co-benefits improved: NH3 and nitrate (intermediate terms
    of Équations 8-9), IFT 3.0 -> 2.4 (informative, L3447), phosphorus 70 -> 45 kg P2O5/ha
    (classes 4 -> 3 of Tableau 23; optional co-benefit)."""
    def fert(QN, QP):
        return [mineral("ammoniac_anhydre_82", QN, mode_apport_min="enfoui"),
                mineral("superphosphate_45", QP=QP), mineral("chlorure_potassium_60", QK=3000.0)]
    ref = {"mineraux": fert(15000.0, 7000.0), "IFT": 3.0}
    proj = {"mineraux": fert(12000.0, 4500.0), "IFT": 2.4}
    return project(farm([system(ref_proj(ref, proj))], FRAC_LESS=0.05),
                   name="mineral N reduced by 30 kg N/ha")


@case
def fertilisation_nitrification_inhibitors() -> dict:
    """Équation 5: the same mineral and organic N, combined with nitrification inhibitors in the
    project years (C_inhibiteur: -35 % of direct N2O).  Isolates C_inhibiteur, QN_inhib and
    QN_org_inhib."""
    base = [mineral("ammonitrate_33_5", 15000.0)]
    slurry = organic("lisier_porc", 200.0, "buse_palette")
    ref = {"mineraux": base, "organiques": [slurry]}
    proj = {"mineraux": [dict(base[0], inhibiteur=True)], "organiques": [dict(slurry, inhibiteur_org=True)]}
    return project(farm([system(ref_proj(ref, proj))]), name="nitrification inhibitors in the project")


@case
def fertilisation_mineralised_N() -> dict:
    """Équation 5 (QN_minéralisé, L1360): the modelled soil carbon loss falls from 20 to 5 t C
    with conservation tillage; low FRAC_LESS.  Isolates R (C/N ratio) and EF1_org.  Erosion
    (Équations 33-34, canton with aléa 3 in winter: mandatory): reduced tillage with residues
    buried (C = 0.20 x 0.35) replaced by no-till with residues on the surface (0.20 x 0.25 x
    0.88): change -0.026, improved; isolates C_travail_réduit, C_non_travail and
    C_résidus."""
    def year(k):
        practice = tillage(reduit=1.0) if k < 0 else tillage(non_travail=1.0, residus=1.0)
        return dict(QC_mineralise=20.0 if k < 0 else 5.0, **practice)
    return project(farm([system(year)], FRAC_LESS=0.05, canton="exemple_canton_2"),
                   name="less N mineralised from soil organic matter; no-till")


@case
def fertilisation_leaching_exported_residues() -> dict:
    """Équations 6 and 9: the wheat residues are exported in the project years (FRAC_export of
    Annexe 5) with the farm's own leaching rate FRAC_LESS = 1.  Isolates EF5."""
    proj = {"cultures": [wheat(residus_exportes=True)]}
    return project(farm([system(ref_proj({}, proj))], FRAC_LESS=1.0),
                   name="wheat straw exported, farm leaching rate 1")


@case
def fertilisation_slurry_injection() -> dict:
    """Équation 8: cattle slurry spread with a splash plate in the reference, injected in the
    project (FA of Annexe 7); other organic products unchanged, with analysed total N and TAN,
    every spreading device and delay.  Isolates EF4 and Frac_GAZM."""
    others = [organic("digestat_brut", 300.0, "pendillard", "moins_4h", TAN_analyse=2.0),
              organic("fumier_bovin", 400.0, "epandeur_fumier", "moins_24h", QN_org_apport=2500.0),
              organic("compost_vert", 100.0, "epandeur_fumier", "plus_24h")]
    ref = {"organiques": [organic("lisier_bovin", 1500.0, "buse_palette", "sans")] + others}
    proj = {"organiques": [organic("lisier_bovin", 1500.0, "injection", "sans")] + others}
    return project(farm([system(ref_proj(ref, proj))]), name="slurry injected instead of splash plate")


@case
def fertilisation_liming_CO2() -> dict:
    """Équations 10 and 12 with the liming lever: sugar-beet lime (36 % CaCO3) then ground
    limestone in the project years only; C_chaulage = 1 there (pH_initial > 6.8, then
    pH_final < 6.4).  A negative RE_fertilisation.  Isolates t_C, FC_C-CaCO3, FC_CO2-C and the
    36 % of écumes."""
    def year(k):
        if k == 0:
            return {"amendements": [{"produit_amd": "ecumes_sucrerie", "Q_brut": 100000.0}], "pH_initial": 7.0,
                    "pH_final": 7.2, "k_chaulage": 0}
        if k == 1:
            return {"amendements": [{"produit_amd": "calcaire_broye", "Q_brut": 10000.0}], "pH_initial": 6.0,
                    "pH_final": 6.2, "k_chaulage": 0}
        return {}
    return project(farm([system(year)], levier_chaulage=True), name="liming in the project years")


@case
def fertilisation_liming_N2O_abatement() -> dict:
    """Équation 7 (choice A12): two cropping systems limed four years before the project start
    (k_chaulage 4, then 5), one from pH 5.8 to 6.9 (the pH gain reaches its 0.4 cap), one from
    6.6 to 7.2 (pH_final above 6.8); C_chaulage < 1 abates the direct N2O of the organic N,
    residues included.  No amendment in the dossier, so only the abatement differs between the
    scenarios.  Isolates the numbers of Équation 7 (6.8, 6.4, 0.4, 0.5, 0.33)."""
    manure = [organic("fumier_bovin", 1000.0, "epandeur_fumier", "moins_4h")]

    def limed(ph_initial, ph_final):
        def year(k):
            y = {"organiques": manure, "cultures": [wheat(50.0)]}
            if k >= 0:
                y.update(pH_initial=ph_initial, pH_final=ph_final, k_chaulage=4 + k)
            return y
        return year
    return project(farm([system(limed(5.8, 6.9), Surf=50.0), system(limed(6.6, 7.2), Surf=50.0)],
                        levier_chaulage=True), name="liming abates N2O of organic N")


@case
def fertilisation_urea_CO2() -> dict:
    """Équation 11 (choices A03, A04): urea (D_urée 30 t of product) in the reference replaced by
    the same N as ammonium sulphate.  Isolates EF_urée and the urea branch of F_EngrMoy."""
    ref = {"mineraux": [mineral("uree_46", 13800.0, D_uree=30000.0)]}
    proj = {"mineraux": [mineral("sulfate_ammoniaque_21", 13800.0)]}
    return project(farm([system(ref_proj(ref, proj))]), name="urea replaced by ammonium sulphate")


@case
def fertilisation_average_N_fertiliser_CO2() -> dict:
    """Équation 11 (choice A04): the average N fertiliser (21.12 % urea) in the reference
    replaced by the same N as a 28 % N solution, on wheat and triticale (same crops every year).
    Isolates F_EngrMoy_moyen.  Erosion is mandatory (canton with aléa 5 in winter) but not
    computed: triticale has no C_culture in Tableau 22 (nor an Annexe 18 water footprint), so
    the indicator is reported as not computed, never with an invented factor."""
    crops = [wheat(70.0), {"espece": "triticale", "Surf_culture": 30.0, "RDT_reel": 6500.0}]
    ref = dict(PLOUGHED, mineraux=[mineral("engrais_azote_moyen", 18000.0, D_uree=60000.0)], cultures=crops)
    proj = dict(PLOUGHED, mineraux=[mineral("solution_azotee_28", 18000.0)], cultures=crops)
    return project(farm([system(ref_proj(ref, proj))], canton="exemple_canton_3"),
                   name="average N fertiliser replaced")


@case
def fertilisation_beet_and_potato_residues() -> dict:
    """Équation 6 special cases (L1276): beet residues fixed at 140 kg N/ha in the reference,
    potato at 40 kg N/ha on a larger area in the project.  Isolates both fixed values.  The
    potatoes are irrigated (100 000 m3 a year): water is mandatory and worse (+1000 m3/ha),
    and the Équation 35 ratio is 100 000 / 540 150 m3 < 1 (efficient).  Erosion outside an
    erosion zone (not mandatory), computed and worse: the area-weighted C_culture rises from
    0.223 to 0.27 (choice A69); a third each of ploughing, reduced and no tillage, the shares
    rounded to 0.3333 (their sum 0.9999 is within the 0.001 of ecart_parts_travail_du_sol)."""
    thirds = tillage(labour=0.3333, reduit=0.3333, non_travail=0.3333)
    ref = dict(thirds, cultures=[wheat(50.0), {"espece": "betterave", "Surf_culture": 10.0, "RDT_reel": 80000.0}])
    proj = dict(thirds, Volume_irrigation=100000.0,
                cultures=[wheat(50.0), {"espece": "pomme_de_terre", "Surf_culture": 50.0, "RDT_reel": 45000.0}])
    return project(farm([system(ref_proj(ref, proj))], canton="exemple_canton_1"), name="beet replaced by potato")


@case
def fertilisation_cover_crops_low_biomass() -> dict:
    """Équation 6 (QN_résidus_CI, L1308-L1322): cover crops added in the project, nearly all
    with a measured biomass below the first class limit of Annexe 5 (low N content class);
    an unlisted species taking its family, another taking Polygonacées (L417); a small area in
    the middle class.  Isolates the low class (N_AG_faible)."""
    covers = [{"espece_CI": "moutarde_blanche", "Surf_CI": 40.0, "BIOM": 1.0},
              {"espece_CI": "feverole_hiver", "famille_CI": "legumineuses", "Surf_CI": 30.0, "BIOM": 1.4},
              {"espece_CI": "melange_local", "Surf_CI": 25.0, "BIOM": 1.2},
              {"espece_CI": "vesce", "Surf_CI": 5.0, "BIOM": 2.0}]
    return project(farm([system(ref_proj({}, {"intercultures": covers}))]), name="cover crops, low biomass")


@case
def fertilisation_cover_crops_high_biomass() -> dict:
    """Équation 6: cover crops and a sown fallow (biomass from the Annexe 5 abacus, L1316) added
    in the project, all above the second class limit (high biomass, low N content).  Isolates
    the high class (N_AG_forte).  Erosion (canton with aléa 4-5: mandatory): ploughed every
    year, bare in winter in the reference and covered in the project (F_culture_couvert 0 -> 1):
    C = 0.20 -> 0.20 x 0.80, change -0.04, improved; isolates C_couvert and C_labour."""
    covers = [{"espece_CI": "avoine_rude", "Surf_CI": 50.0, "BIOM": 4.0},
              {"espece_CI": "trefle_incarnat", "Surf_CI": 30.0, "BIOM": 3.2},
              {"espece_CI": "jachere", "type_jachere": "jachere_semee_multi_especes", "Surf_CI": 20.0}]
    proj = dict(tillage(labour=1.0, couvert=1.0), intercultures=covers)
    return project(farm([system(ref_proj(PLOUGHED, proj))], canton="exemple_canton_3"),
                   name="cover crops, high biomass")


@case
def fertilisation_soybean_catch_crop() -> dict:
    """Équation 6 (QN_résidus_CD, AG_DM by IPCC slope and intercept): a soybean catch crop
    with a low standard yield added in the project, so most of its above-ground residue is the
    IPCC intercept (t MS/ha, × 1000, choice A09)."""
    catch = {"espece": "soja", "role": "derobee", "Surf_culture": 60.0, "RDT_normes": 700.0}
    return project(farm([system(ref_proj({}, {"cultures": [wheat(), catch]}))]), name="soybean catch crop")


@case
def fertilisation_crop_yield_sources() -> dict:
    """Équation 6 (AG_DM, RDT, FRAC_export, QN_résidus_CD): the rotation changes from wheat (6 t/ha)
    to wheat at its standard yield, rapeseed (harvest index) with a measured dry matter, maize with
    exported residues but no FRAC_export in Annexe 5 (0, L1296), and a catch crop.  Liming, drying and downstream
    figures are declared without their levers (no RE: L1443, L1216, L1675).  Co-benefits worse:
    erosion (mandatory, aléa 3 in winter; ploughed every year, area-weighted C_culture 0.20 ->
    0.284), IFT 2.5 -> 3.2, water (the maize irrigated, 45 000 m3 a year) with an Équation 35
    ratio >= 1 (the theoretical footprint grows less than the water used)."""
    proj = {"IFT": 3.2, "Volume_irrigation": 45000.0, **PLOUGHED, "cultures": [{"espece": "ble_tendre", "Surf_culture": 40.0, "RDT_normes": 6200.0},
                         {"espece": "colza", "Surf_culture": 30.0, "RDT_reel": 3600.0, "MS_recolte": 0.92},
                         {"espece": "mais_grain", "Surf_culture": 30.0, "RDT_reel": 9500.0,
                          "residus_exportes": True},
                         {"espece": "sorgho_fourrager", "role": "derobee", "Surf_culture": 20.0,
                          "RDT_normes": 4000.0}]}
    drying = poste("sechage", {-3: {"tonnage_poste": 4000.0, "energie_poste": "gaz_naturel", "Conso_poste_kg": 9000.0},
                               -2: {"tonnage_poste": 4000.0, "energie_poste": "gaz_naturel", "Conso_poste_kg": 9000.0},
                               -1: {"tonnage_poste": 4000.0, "energie_poste": "gaz_naturel", "Conso_poste_kg": 9000.0},
                               0: {"tonnage_poste": 4000.0, "energie_poste": "gaz_naturel", "Conso_poste_kg": 6000.0},
                               1: {"tonnage_poste": 4000.0, "energie_poste": "gaz_naturel", "Conso_poste_kg": 6000.0}})
    os_ = culture_os("mais_grain", {-3: 30.0, -2: 31.0, -1: 29.0, 0: 25.0, 1: 24.0}, 300.0)
    mrp = culture_mrp("pois", {-3: (4.0, 10.0), -2: (4.0, 10.0), -1: (4.0, 10.0), 0: (4.0, 20.0), 1: (4.0, 20.0)})
    lime = {"amendements": [{"produit_amd": "calcaire_magnesien", "Q_brut": 5000.0}]}
    ref = dict(lime, IFT=2.5, cultures=[wheat(RDT_reel=6000.0)], **PLOUGHED)
    return project(farm([system(ref_proj(ref, dict(proj, **lime)))], postes_ferme=[drying], cultures_OS=[os_],
                        cultures_MRP=[mrp], canton="exemple_canton_2"),
                   name="rotation change; liming, drying, OS and protein data without their levers")


# ===================================================== 6.1.2 combustibles ==
def _gnr(litres: float, **kw) -> dict:
    c = {"energie_combustible": "gnr", "Consommation": litres}
    c.update(kw)
    return c


@case
def combustibles_A_three_units() -> dict:
    """Équations 14-15, method A: non-road diesel (L, with work for and by third parties),
    natural gas (kg) and electricity (kWh) from invoices, all reduced in the project."""
    def fuels(k):
        f = 1.0 if k < 0 else 0.8
        return {"combustibles": [_gnr(12000.0 * f, Q_pour_tiers=800.0, Q_prestations=1500.0),
                                 {"energie_combustible": "gaz_naturel", "unite_combustible": "kilogramme",
                                  "Consommation": 3000.0 * f},
                                 {"energie_combustible": "electricite", "unite_combustible": "kilowattheure",
                                  "Consommation": 20000.0 * f}]}
    return project(farm([system(lambda k: {})], annees=farm_years(fuels), methode_combustibles="A"),
                   name="fuel invoices reduced by 20 %")


def _method_B_year(k, ref: dict, proj: dict) -> dict:
    y = {"Carbu_totale": 42000.0, "Carbu_volaille": 1500.0, "Carbu_porcs": 500.0,
         "Carbu_travaux_par_tiers": 2000.0, "Carbu_travaux_pour_tiers": 2000.0}
    y.update(ref if k < 0 else proj)
    return y


@case
def combustibles_B_dairy_to_beef() -> dict:
    """Annexe 10, Équations 7-10 (method B): the farm's fuel is allocated to its workshops with
    the reference values of Tableau 5; a dairy herd on hay (reference) is replaced by a beef
    herd on maize forage (> 25 %), so the field-crop share changes.  Isolates VR_BL, VR_BV,
    VR_fourrages (100 % foin, > 25 % maïs); irrigation fuel counted in full (choice A64)."""
    ref = {"UGB_BL": 100.0, "Surf_fourrages_BL": 50.0, "systeme_fourrager": "foin_100",
           "Surf_cultures_vendues": 100.0, "Carbu_irrigation": 1000.0}
    proj = {"UGB_BV": 100.0, "Surf_fourrages_BV": 50.0, "systeme_fourrager": "mais_plus_25",
            "Surf_cultures_vendues": 100.0, "Carbu_irrigation": 1000.0}
    return project(farm([system(lambda k: {}, Surf=100.0)], methode_combustibles="B",
                        annees=farm_years(lambda k: _method_B_year(k, ref, proj), SAU=200.0)),
                   name="method B: dairy replaced by beef")


@case
def combustibles_B_forage_maize_share() -> dict:
    """Method B: the dairy forage area goes from < 5 % to 5-25 % maize (Tableau 5), all else
    equal.  Isolates VR_fourrages (< 5 % and 5-25 % maïs)."""
    ref = {"UGB_BL": 20.0, "Surf_fourrages_BL": 100.0, "systeme_fourrager": "mais_moins_5",
           "Surf_cultures_vendues": 100.0}
    proj = dict(ref, systeme_fourrager="mais_5_25")
    return project(farm([system(lambda k: {})], methode_combustibles="B",
                        annees=farm_years(lambda k: _method_B_year(k, ref, proj), SAU=200.0)),
                   name="method B: more maize in the forage area")


@case
def combustibles_B_crops_fed_to_the_herd() -> dict:
    """Method B: dairy cows (reference) replaced by crops self-consumed by the dairy workshop,
    no forage area (système fourrager non renseigné).  Isolates VR_cultures and VR_BL."""
    ref = {"UGB_BL": 114.0, "Surf_cultures_vendues": 100.0}
    proj = {"Surf_cultures_BL": 100.0, "Surf_cultures_vendues": 100.0}
    return project(farm([system(lambda k: {})], methode_combustibles="B",
                        annees=farm_years(lambda k: _method_B_year(k, ref, proj), SAU=200.0)),
                   name="method B: crops fed to the herd")


def _interventions(extra: List[dict], semis_power: float = 120.0) -> List[dict]:
    """Harvest by intervention type (Annexe 9) and sowing by tractor power with the Annexe 9
    load rate, then `extra`."""
    return [{"type_intervention": "moisson", "Surface_intervention": 100.0},
            {"type_intervention": "semis", "mode_conso": "puissance", "Puissance_tracteur": semis_power,
             "Surface_intervention": 100.0}] + extra


@case
def combustibles_C_tractor_power_traction() -> dict:
    """Équation 16, method C: ploughing with a 200 ch tractor replaced by a 140 ch one (load rate
    0.7 for traction); fuel is the only reduction, so rabais_global is the 5 % of method C.
    Isolates Conso_spécifique, the traction load rate and taux_rabais_combustibles."""
    def year(k):
        p = 200.0 if k < 0 else 140.0
        return {"interventions": _interventions([{"type_intervention": "labour", "mode_conso": "puissance",
                                                  "categorie_charge": "traction", "Puissance_tracteur": p,
                                                  "Surface_intervention": 100.0}])}
    return project(farm([system(lambda k: {})], annees=farm_years(year), methode_combustibles="C"),
                   name="method C: smaller tractor for ploughing")


@case
def combustibles_C_tractor_power_spraying() -> dict:
    """Method C: spraying (load rate 0.5 for spraying and spreading, L1597) and sowing (load
    rate of Annexe 9) with smaller tractors.  Isolates taux_charge_pulvérisation and the choice
    of load rate by category."""
    def year(k):
        p = 150.0 if k < 0 else 90.0
        return {"interventions": _interventions([{"type_intervention": "pulverisation", "mode_conso": "puissance",
                                                  "categorie_charge": "pulverisation_epandage",
                                                  "Puissance_tracteur": p, "Surface_intervention": 600.0}],
                                                semis_power=150.0 if k < 0 else 120.0)}
    return project(farm([system(lambda k: {})], annees=farm_years(year), methode_combustibles="C"),
                   name="method C: smaller tractor for spraying")


@case
def combustibles_C_irrigation() -> dict:
    """Équation 16 (irrigation, choice A21): a travelling gun (150 000 m3 a year) replaced by a
    pivot using 20 % less water.  Isolates F_kWh→GNR (both irrigation terms are divided by it).
    Co-benefits: water mandatory and improved (-300 m3/ha); same crops and yields, so the
    theoretical footprint does not change and the Équation 35 ratio is not computed (A73);
    energy improved through the CED of the irrigation fuel."""
    def year(k):
        s, v = ("enrouleur", 150000.0) if k < 0 else ("pivot", 120000.0)
        return {"interventions": _interventions([]),
                "irrigations": [{"systeme_irrigation": s, "Volume_eau": v}]}
    return project(farm([system(lambda k: {"Volume_irrigation": 150000.0 if k < 0 else 120000.0})],
                        annees=farm_years(year), methode_combustibles="C"),
                   name="method C: pivot instead of travelling gun")


# ================================================ 6.1.3 séchage / stockage ==
@case
def sechage_stockage_at_the_farm() -> dict:
    """Équations 17-19: drying maize with natural gas (kg), storage with electricity (kWh),
    drying with diesel (L), all using less energy per quintal in the project; a crop dried only
    in the project (no reference tonnage: intensity 0, choice ref_sans_tonnage).  The energy
    co-benefit takes this energy from Energie_autres, declared in MJ (gas x 52.8 MJ/kg,
    electricity x 8.28 MJ/kWh, GNR x 42.7 MJ/L): 1 409 700 MJ a year in the reference,
    951 620 MJ in the project."""
    def rows(ton, conso_ref, conso_proj, energy, unit, new=False):
        out = {}
        for k in (*REF, 0, 1):
            if new and k < 0:
                out[k] = {"tonnage_poste": 0.0}
                continue
            out[k] = {"tonnage_poste": ton, "energie_poste": energy,
                      unit: conso_ref if k < 0 else conso_proj}
        return out
    postes = [poste("sechage", rows(6000.0, 18000.0, 12000.0, "gaz_naturel", "Conso_poste_kg")),
              poste("stockage", rows(8000.0, 40000.0, 25000.0, "electricite", "Conso_poste_kWh")),
              poste("sechage", rows(2000.0, 3000.0, 2000.0, "gnr", "Conso_poste_L")),
              poste("sechage", rows(500.0, 0.0, 600.0, "gnr", "Conso_poste_L", new=True))]
    autres = farm_years(lambda k: {"Energie_autres": 1409700.0 if k < 0 else 951620.0})
    return project(farm([system(lambda k: {})], annees=autres, levier_sechage_stockage=True, postes_ferme=postes),
                   name="less energy for drying and storage at the farm")


# ============================================================ 6.2 RE aval ==
@case
def sechage_OS_maize_and_rapeseed() -> dict:
    """Équations 21-22 (choices A29, A30): maize and rapeseed harvested drier and delivered to
    the grain storers; rapeseed below its drying threshold in one project year (no drying
    need); maize with the lower of the two H_objectif readings; soybean never dried in the
    reference but once in the project (a negative term).  Isolates Conso_séchoir."""
    os_ = [culture_os("mais", {-3: 32.0, -2: 30.0, -1: 31.0, 0: 27.0, 1: 26.0}, 1500.0),
           culture_os("colza", {-3: 17.0, -2: 18.0, -1: 16.0, 0: 12.0, 1: 16.0}, 900.0),
           culture_os("soja", {-3: 17.0, -2: 17.5, -1: 16.5, 0: 17.0, 1: 19.0}, 100.0)]
    return project(farm([system(lambda k: {})], levier_aval=True, cultures_OS=os_),
                   name="grain harvested drier")


@case
def sechage_OS_maize_harvested_wetter() -> dict:
    """Équations 21-22 (choice A30): grain maize delivered wetter in the project than in the
    reference, above the drying threshold every year: a negative term, for which the second
    reading (H_objectif 15 %) is the lower one; RE_aval is floored at 0 (Équation 20)."""
    os_ = [culture_os("mais_grain", {-3: 20.0, -2: 21.0, -1: 19.0, 0: 24.0, 1: 23.0}, 1200.0)]
    return project(farm([system(lambda k: {})], levier_aval=True, cultures_OS=os_), name="maize delivered wetter")


@case
def proteines_production_increase() -> dict:
    """Équation 23 (choices A31, A31b): more peas (national RatioMRP of Annexe 11bis, so the
    5 % volume rabais applies) and field beans (traced RatioMRP); the only reduction, so
    rabais_global is that 5 %.  Isolates taux_rabais_volume_MRP."""
    mrp = [culture_mrp("pois", {-3: (4.5, 20.0), -2: (4.0, 20.0), -1: (5.0, 20.0), 0: (4.5, 40.0), 1: (4.8, 40.0)}),
           culture_mrp("feverole", {-3: (4.0, 0.0), -2: (4.0, 10.0), -1: (4.0, 0.0), 0: (4.2, 20.0), 1: (4.0, 20.0)},
                       RatioMRP_trace=0.9)]
    return project(farm([system(lambda k: {})], levier_aval=True, cultures_MRP=mrp),
                   name="more protein crops")


@case
def aval_negative_floor() -> dict:
    """Équation 20 (choice A26) and Équation 30: fewer protein crops (negative RE_protéines)
    outweigh a small drying gain at the grain storers: RE_aval is floored at 0 for the project
    and after the rabais; sales under contract (no volume rabais)."""
    mrp = [culture_mrp("colza", {-3: (3.5, 60.0), -2: (3.6, 60.0), -1: (3.4, 60.0), 0: (3.5, 20.0), 1: (3.5, 20.0)})]
    os_ = [culture_os("tournesol", {-3: 16.0, -2: 16.0, -1: 16.0, 0: 15.0, 1: 15.0}, 100.0)]
    return project(farm([system(lambda k: {})], levier_aval=True, MRP_contrat_vente=True, cultures_MRP=mrp,
                        cultures_OS=os_), name="fewer protein crops; RE_aval floored at 0")


# ========================================================= 6.3 stockage ==
@case
def stockage_first_project() -> dict:
    """Équations 24-25: two cropping systems store carbon (Sfin > Sfin_ref), the second one
    larger at the end of the project (Surf_i of the last project year, choice A34); storage is
    the only reduction: rabais_global is 1 - (1 - 4.1 %) (1 - 20 %) (Tableaux 17-18)."""
    s1 = system(lambda k: {}, Sfin=56.0, Sfin_ref=50.0)
    s2 = system(lambda k: {"Surf": 60.0 if k < 1 else 70.0, "cultures": [wheat(60.0)]}, Sfin=62.0, Sfin_ref=60.0)
    return project(farm([s1, s2]), name="soil carbon storage, first project")


def modes(meteo: str, C_initial: str, autres_sol: str, biomasses: str, MAFOR: str) -> dict:
    """The data-collection modes of a system-year (Tableau 17, Équation 29 step 1)."""
    return {"mode_donnees_meteo": meteo, "mode_donnees_C_initial": C_initial,
            "mode_donnees_autres_sol": autres_sol, "mode_donnees_biomasses": biomasses,
            "mode_donnees_MAFOR": MAFOR}


# The modes of a system-year and their Équation 29 step-1 rate, (r_météo + r_C_initial +
# r_autres_sol + r_biomasses + r_MAFOR) / 5 (Tableau 17):
MEASURED = modes("mesure", "mesure", "mesure", "couplage", "mesure")           # 0
AVERAGE_BDAT = modes("moyenne", "moyenne_BDAT", "moyenne_BDAT", "moyenne", "moyenne")  # (2.5+5+5+7+5)/5 = 4.9 %
SIMULATED = modes("simulation", "simulation", "simulation", "prelevement_ou_teledetection", "mesure")  # 1.3 %


def _renewal(year_modes: Dict[int, dict], n_proj: int) -> dict:
    s = system(lambda k: year_modes[k], n_proj=n_proj, Sfin=58.0, Sfin_ref=50.0)
    return project(farm([s], n_proj=n_proj, renouvellement=True, renouvellement_levier_nouveau=True),
                   name="soil carbon storage, renewal")


@case
def stockage_renewal() -> dict:
    """Tableau 18 and Équation 29: a renewed one-year project with a new lever (non-permanence
    rabais 10 %), storage the only reduction.  The data-collection modes of Tableau 17 change
    from year to year: average and BDAT data in t-3 and t-1 (4.9 %), in-situ measurements and
    coupled biomass measurement in t-2 (0 %), simulations, sampling or remote sensing in t
    (1.3 %): rabais_incertitude_données_stockage = (4.9 + 0 + 4.9 + 1.3) / 4 = 2.775 %, so
    rabais_global = 1 - 0.97225 x 0.9.  Each year weighs as much as the others (step 3: a
    calculator that drops or repeats a year misses rabais_global by more than 5 %)."""
    return _renewal({-3: AVERAGE_BDAT, -2: MEASURED, -1: AVERAGE_BDAT, 0: SIMULATED}, n_proj=1)


@case
def stockage_renewal_average_data() -> dict:
    """Équation 29 with the highest data rabais: a one-year renewal (10 % non-permanence) whose
    every parameter comes from average data (BDAT for the soil) in every year, 4.9 %, so
    rabais_global = 1 - 0.951 x 0.9 = 14.41 %; the rate of each average-data mode then moves
    rabais_global by more than 5 %, as does counting a year the farm does not have (step 3
    averages the 3 + 1 years)."""
    return _renewal({k: AVERAGE_BDAT for k in (*REF, 0)}, n_proj=1)


@case
def stockage_renewal_measured_data() -> dict:
    """Équation 29 with no data rabais: a one-year renewal whose every parameter is measured in
    situ (biomass by coupled sampling and remote sensing) every year: every rate of Tableau 17
    is 0, so rabais_global is exactly the 10 % of the renewal; a calculator giving any
    average-data rate (3 % or more for a soil parameter) to a measured one misses it by more
    than 5 %."""
    return _renewal({k: MEASURED for k in (*REF, 0)}, n_proj=1)


def _renewal_last_year_average(n_proj: int) -> dict:
    last = n_proj - 1
    return _renewal({k: AVERAGE_BDAT if k == last else MEASURED for k in (*REF, *range(n_proj))}, n_proj)


@case
def stockage_renewal_3_years_last_year_average_data() -> dict:
    """Équation 29 step 3 over 3 + 3 years: a three-year renewal measured in situ every year except
    the last project year (k = 2), whose data are average data (4.9 %): rabais 4.9 / 6 % and
    rabais_global 1 - (1 - 0.049 / 6) x 0.9; a calculator dropping that year, or averaging over
    another number of years, misses rabais_global by more than 5 %."""
    return _renewal_last_year_average(3)


@case
def stockage_renewal_4_years_last_year_average_data() -> dict:
    """Équation 29 step 3 over 3 + 4 years: as the three-year case, the average-data year being
    k = 3 (rabais 4.9 / 7 %)."""
    return _renewal_last_year_average(4)


@case
def stockage_renewal_5_years_last_year_average_data() -> dict:
    """Équation 29 step 3 over 3 + 5 years (the longest project, L1236): as the three-year case,
    the average-data year being k = 4, the last year of the timeline (rabais 4.9 / 8 %;
    dropping that year moves rabais_global by 5.2 %)."""
    return _renewal_last_year_average(5)


# ======================================================== 6.4 miscanthus ==
def _misc_year(k, ref_N: float, fuel: float) -> dict:
    if k < 0:
        return {"cultures": [wheat(20.0)], "mineraux": [mineral("ammonitrate_33_5", 20.0 * ref_N)]}
    return {"cultures": [], "EGES_combustibles_miscanthus": fuel}


@case
def miscanthus_planting_schedule() -> dict:
    """Équations 26-28 (choices A36-A38, X1, X2): miscanthus planted in project years 1, 2 and 3
    (two owned plots, one with a 15-year lease) in its own cropping system, next to an ordinary
    system that stores carbon; five project years.  Intensité_comb_ref (Équation 14) comes from
    the farm's GNR invoices (1850 L a year, unchanged: no RE_combustibles).  Criterion 5 met:
    every plot owned or leased for >= 5 years, and the field-crop area lost to miscanthus is
    20 / 100 ha = 20 %, the bound itself (A55: at most 20 %)."""
    plots = [{"SAU_plantation": 10.0, "annee_plantation": 1, "proprietaire": True, "Sfin_miscanthus": 62.0,
              "Sfin_ref_miscanthus": 50.0},
             {"SAU_plantation": 6.0, "annee_plantation": 2, "duree_bail_restante": 15.0, "Sfin_miscanthus": 58.0,
              "Sfin_ref_miscanthus": 50.0},
             {"SAU_plantation": 4.0, "annee_plantation": 3, "proprietaire": True, "Sfin_miscanthus": 60.0,
              "Sfin_ref_miscanthus": 50.0}]
    misc = misc_system(lambda k: _misc_year(k, 160.0, 0.4), plots, n_proj=5, Surf=20.0)
    other = system(lambda k: {}, n_proj=5, Surf=80.0, Sfin=54.0, Sfin_ref=50.0)
    for y in other["years"]:
        y["cultures"] = [wheat(80.0)]
    fuel = farm_years(lambda k: {"combustibles": [_gnr(1850.0)]}, n_proj=5)
    return project(farm([misc, other], annees=fuel, n_proj=5),
                   name="miscanthus planted over three years")


@case
def miscanthus_residues_and_storage_only() -> dict:
    """Équations 27-28 and 1.4.3 (L451): miscanthus planted in project years 1, 2 and 3 in a
    system whose reference years declare no fertilisation and no fuel, so RE_émissions_miscanthus
    is the N2O of the miscanthus residues alone (isolates QN_résidus_aériens(feuilles) and the
    area in place each year); liming changes C_chaulage from year to year (Équation 7 applies to
    the residue N, Équation 27); the storage is the only other reduction, so rabais_global is
    about the 3 % of Tableau 18.  Criterion 5 fails twice: the plots are neither owned nor
    leased, and the whole field-crop area (72 ha) goes to miscanthus (> 20 %)."""
    plots = [{"SAU_plantation": a, "annee_plantation": n, "Sfin_miscanthus": 60.0, "Sfin_ref_miscanthus": 50.0}
             for a, n in ((18.0, 1), (12.0, 2), (42.0, 3))]
    liming = {0: {"pH_initial": 5.8, "pH_final": 6.9, "k_chaulage": 0}, 1: {"pH_initial": 7.0, "pH_final": 7.1},
              2: {"pH_initial": 5.8, "pH_final": 6.9, "k_chaulage": 0}}

    def year(k):
        return {"cultures": []} if k < 0 else dict(cultures=[], EGES_combustibles_miscanthus=0.0, **liming[k])
    misc = misc_system(year, plots, n_proj=3, Surf=72.0)
    return project(farm([misc], n_proj=3, levier_chaulage=True, FRAC_LESS=0.05),
                   name="miscanthus residues and storage")


# ================================================ 5, 6.5 reference types, rabais ==
def _fert_reduction(k) -> dict:
    return {"mineraux": [mineral("ammonitrate_33_5", 16000.0 if k < 0 else 13000.0)]}


@case
def reference_generique() -> dict:
    """Section 5 and Tableau 18: a generic reference — reference fuel from the per-crop
    references (5.4.1: consumption per ha of crop and irrigation), project fuel by method A;
    the liming lever cannot modulate N2O (C_chaulage = 1), drying/storage and OS drying give no
    RE (L1624, L1704); everything is discounted by the 10 % of the generic reference only.
    Isolates taux_rabais_reference."""
    def fy(k):
        if k < 0:
            return {"interventions": [{"mode_conso": "par_culture", "Conso_culture_L_ha": 95.0,
                                       "Surface_intervention": 100.0}],
                    "irrigations": [{"systeme_irrigation": "enrouleur", "Volume_eau": 50000.0}]}
        return {"combustibles": [_gnr(9000.0)]}

    def year(k):
        y = _fert_reduction(k)
        if k >= 0:
            y.update(pH_initial=5.9, pH_final=6.8, k_chaulage=k)
        return y
    drying = poste("sechage", {k: {"tonnage_poste": 3000.0, "energie_poste": "gaz_naturel",
                                   "Conso_poste_kg": 9000.0 if k < 0 else 7000.0} for k in (*REF, 0, 1)})
    os_ = culture_os("colza", {-3: 17.0, -2: 17.0, -1: 17.0, 0: 13.0, 1: 13.0}, 200.0)
    return project(farm([system(year)], annees=farm_years(fy), type_reference="generique", levier_chaulage=True,
                        levier_sechage_stockage=True, levier_aval=True, postes_ferme=[drying], cultures_OS=[os_]),
                   name="generic reference")


@case
def reference_semi_generique_method_B() -> dict:
    """Section 5.4.2: a semi-generic reference (per-crop fuel references for the reference years)
    with method B in the project years; rabais 10 % (reference) and 5 % (method B)."""
    def fy(k):
        if k < 0:
            return {"interventions": [{"mode_conso": "par_culture", "Conso_culture_L_ha": 90.0,
                                       "Surface_intervention": 100.0}]}
        return {"Carbu_totale": 9000.0, "UGB_BL": 10.0, "Surf_cultures_vendues": 100.0}
    return project(farm([system(_fert_reduction)], annees=farm_years(fy), type_reference="semi_generique",
                        methode_combustibles="B"), name="semi-generic reference, method B")


@case
def nda_only() -> dict:
    """6.5.5: additionality not demonstrated (public funding of the levers): 20 % on the sum
    after the specific rabais, once; fertilisation is the only reduction.  Isolates
    taux_rabais_nda.  A one-year project (p = 1, L1236): Équation 29 averages the 3 + 1 years
    the farm has (no system in year k = 1)."""
    return project(farm([system(_fert_reduction, n_proj=1)], n_proj=1, nda=True),
                   name="additionality not demonstrated; one project year")


@case
def negative_totals_not_eligible() -> dict:
    """Équations 1, 2, 30, 31 with negative terms (choice A49: never discounted): more N, more
    fuel, soil and miscanthus carbon losses; RE < 0 so rabais_global = 0 (A53).  A collective
    project whose first farm fails criteria 2-4 (renewal without a new lever) and the owned
    miscanthus plot passes criterion 5 (5 of 105 ha), and whose second farm declares method B
    without any fuel data.  Co-benefits worse, weighted by farm area at the project scale
    (L2647): NH3, nitrate, energy, phosphorus (class 3 -> 4 of Tableau 23), IFT on the first farm
    (2.0 -> 2.6; not declared by the second, so not computed for the project), water on the
    second (irrigated, the only farm counted in the project mean; ratio not computed, ΔE_théo =
    0), erosion on the second (residues no longer left on the surface; the first is not
    computed: miscanthus years have no crop of Tableau 22)."""
    misc_plot = [{"SAU_plantation": 5.0, "annee_plantation": 1, "proprietaire": True, "Sfin_miscanthus": 45.0,
                  "Sfin_ref_miscanthus": 50.0}]
    def misc_year(k):
        if k < 0:  # wheat with calcium nitrate (little volatilisation) before the miscanthus
            return {"cultures": [wheat(5.0)], "mineraux": [mineral("nitrate_calcium_15_5", 500.0)], "IFT": 1.0}
        return {"cultures": [], "EGES_combustibles_miscanthus": 0.2, "IFT": 0.0}
    misc = misc_system(misc_year, misc_plot, Surf=5.0)
    more_N = system(lambda k: {"mineraux": [mineral("ammonitrate_33_5", 12000.0 if k < 0 else 15000.0),
                                            mineral("superphosphate_45", QP=11000.0 if k < 0 else 14000.0)],
                               "IFT": 2.0 if k < 0 else 2.6},
                    Sfin=47.0, Sfin_ref=50.0)

    def fuel(k):
        return {"combustibles": [_gnr(8000.0 if k < 0 else 10000.0)]}
    f1 = farm([more_N, misc], annees=farm_years(fuel), methode_combustibles="A", nda=True,
              outil_certifie=False, conditionnalite_PAC=False, leviers_declares=0,
              renouvellement=True)
    irrigated = system(lambda k: dict(tillage(labour=1.0, residus=1.0 if k < 0 else 0.0),
                                      Volume_irrigation=10000.0 if k < 0 else 12000.0, cultures=[wheat(50.0)],
                                      mineraux=[mineral("ammonitrate_33_5", 5000.0 if k < 0 else 7500.0)]),
                       Surf=50.0)
    f2 = farm([irrigated], methode_combustibles="B", SAU=50.0, canton="exemple_canton_2")
    return project(f1, f2, name="negative terms; not eligible")


# ====================================================== a farm without systems ==
@case
def farm_without_cropping_system() -> dict:
    """A project whose only farm has no cropping system and no farm year (criterion 1 fails):
    Équation 29 has no year (rabais 0, nb_annees_rabais_donnees = 0), no area is lost to
    miscanthus, and every co-benefit of the farm is not computed (Équation 32 has no system
    to average; 90-cobenefices SdC_presents; energy is averaged over the farm years); the
    project means have no farm to weigh (0)."""
    return project(farm([], methode_combustibles="B", SAU=50.0), name="farm without cropping system")


# ================================================================== probes ==
# (none at present: the guards the probe farm_without_farm_years reached were dropped from the
# spec, since the timeline requires every farm's reference and project farm years)
