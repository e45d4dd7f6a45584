"""Hypothesis strategies for LBC GC fertilisation dossiers, using the fixture annex keys.

Values stay inside the input domains of the spec; structures vary (farms, systems,
project length, crops, covers, applications, liming) so every branch gets exercised.
"""
from hypothesis import strategies as st

CA = ["ble_tendre", "orge_hiver", "mais_grain", "pomme_de_terre", "colza", "betterave", "sorgho_fourrager"]
CI = ["moutarde_blanche", "phacelie", "vesce", "inconnue"]
FAMILLES = [None, "legumineuses", "cruciferes", "graminees"]
MIN = ["ammonitrate_33_5", "uree_46", "solution_azotee_30", "engrais_azote_moyen", "npk_15_15_15",
       "superphosphate_45"]
ORG = ["fumier_bovin", "lisier_porc", "compost_vert", "digestat_brut"]
MATERIEL = ["buse_palette", "pendillard", "injection", "epandeur_fumier"]
DELAI = ["sans", "moins_4h", "moins_24h", "plus_24h"]
AMD = ["calcaire_broye", "chaux_vive", "ecumes_sucrerie"]

pos = lambda lo, hi: st.floats(lo, hi, allow_nan=False, allow_infinity=False)  # noqa: E731


@st.composite
def culture(draw):
    c = {"espece": draw(st.sampled_from(CA)), "Surf_culture": draw(pos(0.5, 80)),
         "role": draw(st.sampled_from(["principale", "principale", "derobee"])),
         "residus_exportes": draw(st.booleans())}
    how = draw(st.sampled_from(["normes", "reel", "reel_ms"]))
    if how == "normes":
        c["RDT_normes"] = draw(pos(500, 15000))
    else:
        c["RDT_reel"] = draw(pos(500, 90000))
        if how == "reel_ms":
            c["MS_recolte"] = draw(pos(0.1, 0.95))
    return c


@st.composite
def interculture(draw):
    c = {"espece_CI": draw(st.sampled_from(CI)), "Surf_CI": draw(pos(0.5, 50))}
    if draw(st.integers(0, 4)) == 0:
        c["type_jachere"] = "jachere_non_semee"  # biomass from the Annexe 5 abacus
    else:
        c["BIOM"] = draw(pos(0, 8))
    fam = draw(st.sampled_from(FAMILLES))
    if fam:
        c["famille_CI"] = fam
    return c


@st.composite
def mineral(draw):
    m = {"produit_min": draw(st.sampled_from(MIN)), "QN": draw(pos(0, 20000)),
         "mode_apport_min": draw(st.sampled_from(["surface", "enfoui"])), "inhibiteur": draw(st.booleans())}
    if draw(st.booleans()):
        m["QP"] = draw(pos(0, 5000))
        m["QK"] = draw(pos(0, 5000))
    if m["produit_min"] in ("uree_46", "engrais_azote_moyen"):
        # L1461: an application of urea (or of the average fertiliser) gives its dose D_urée
        # (20-fertilisation 'uree_sans_dose' refuses it otherwise)
        m["D_uree"] = draw(pos(1, 20000))
    elif draw(st.booleans()):
        m["D_uree"] = draw(pos(0, 20000))
    return m


@st.composite
def organique(draw):
    o = {"produit_org": draw(st.sampled_from(ORG)), "Q_org": draw(pos(0, 500)),
         "materiel": draw(st.sampled_from(MATERIEL)), "delai": draw(st.sampled_from(DELAI)),
         "inhibiteur_org": draw(st.booleans())}
    if draw(st.booleans()):
        o["QN_org_apport"] = draw(pos(0, 3000))
    if draw(st.booleans()):
        o["TAN_analyse"] = draw(pos(0, 6))
    return o


@st.composite
def year(draw, k, liming):
    y = {"k": k, "Surf": draw(pos(1, 300)), "QC_mineralise": draw(st.sampled_from([0.0, 0.0, 0.5, 3.0])),
         "cultures": draw(st.lists(culture(), min_size=1, max_size=3)),
         "intercultures": draw(st.lists(interculture(), max_size=2)),
         "mineraux": draw(st.lists(mineral(), max_size=3)),
         "organiques": draw(st.lists(organique(), max_size=2)),
         "amendements": draw(st.lists(st.fixed_dictionaries(
             {"produit_amd": st.sampled_from(AMD), "Q_brut": pos(0, 50000)}), max_size=1))}
    # crops grow on the system's SAU: their areas never exceed it (spec: surfaces_cultures_incoherentes)
    for role in ("principale", "derobee"):
        y["Surf"] = max(y["Surf"], sum(c["Surf_culture"] for c in y["cultures"] if c["role"] == role))
    if liming:
        y["pH_initial"] = draw(pos(5.0, 7.2))
        y["pH_final"] = draw(pos(5.5, 7.5))
        y["k_chaulage"] = float(draw(st.integers(0, 6)))
    return y


@st.composite
def system(draw, liming):
    p = draw(st.integers(1, 5))
    return {"Sfin": draw(pos(20, 90)), "Sfin_ref": draw(pos(20, 90)),  # Équation 25 stocks, t C/ha
            "years": [draw(year(k, liming)) for k in list(range(-3, 0)) + list(range(p))]}


@st.composite
def dossier(draw, max_farms=2, max_systems=2):
    farms = []
    for _ in range(draw(st.integers(1, max_farms))):
        liming = draw(st.booleans())
        systems = draw(st.lists(system(liming), min_size=1, max_size=max_systems))
        p = max(len(s["years"]) for s in systems) - 3
        farms.append({"type_reference": draw(st.sampled_from(["specifique", "semi_generique", "generique"])),
                      "levier_chaulage": liming, "FRAC_LESS": draw(st.sampled_from([0.24, 0.1, 0.3])),
                      "annees": [{"k_exploitation": k, "SAU": draw(pos(10, 500))} for k in range(-3, p)],
                      "systems": systems})
    return {"method": "lbc_gc", "version": "2.0", "project": {"farms": farms}}
