"""Équations 3-9 in OpenFisca-core, float64 forced; run with bench/.venv-openfisca/bin/python.

    openfisca_eq3_9.py N OUT.npz   -> prints {"seconds": [...], "dtype": "float64", "version": ...}

One person entity ('annee', a cropping-system year), 14 input variables, 6 formula variables
written as OpenFisca formulas (vectorised over the entity).  Timed: `calculate` of the six
outputs on a fresh simulation with the inputs set (best of 3); the values are saved for the
bench to compare with carbonspec's.
"""
import json
import sys
import time
from pathlib import Path

import numpy

sys.path.insert(0, str(Path(__file__).resolve().parent))
import eq3_9 as E  # noqa: E402

from openfisca_core.variables import config  # noqa: E402

config.VALUE_TYPES[float]["dtype"] = numpy.float64  # OpenFisca's float is float32 unless told

from openfisca_core import periods  # noqa: E402
from openfisca_core.entities import build_entity  # noqa: E402
from openfisca_core.simulations import SimulationBuilder  # noqa: E402
from openfisca_core.taxbenefitsystems import TaxBenefitSystem  # noqa: E402
from openfisca_core.variables import Variable  # noqa: E402

Annee = build_entity(key="annee", plural="annees", label="année d'un système de culture", is_person=True)


def _input(name):
    return type(name, (Variable,), {"value_type": float, "entity": Annee, "definition_period": periods.YEAR,
                                    "label": name})


class N2O_directes(Variable):
    value_type, entity, definition_period = float, Annee, periods.YEAR

    def formula(annee, period):
        return (((annee("QN_min", period) + (annee("QN_inhib", period) * E.C_inhibiteur)) * E.EF1_min)
                + (((((annee("QN_org", period) + (annee("QN_org_inhib", period) * E.C_inhibiteur))
                      + annee("QN_residus", period)) + annee("QN_mineralise", period)) * E.EF1_org)
                   * annee("C_chaulage", period)))


class N2O_volatilisation(Variable):
    value_type, entity, definition_period = float, Annee, periods.YEAR

    def formula(annee, period):
        return annee("N_volatilise", period) * E.EF4


class N_lixivie(Variable):
    value_type, entity, definition_period = float, Annee, periods.YEAR

    def formula(annee, period):
        return ((((((annee("QN_min", period) + annee("QN_inhib", period)) + annee("QN_org", period))
                   + annee("QN_org_inhib", period)) + annee("QN_residus", period)) + annee("QN_mineralise", period))
                * annee("FRAC_LESS", period))


class N2O_lixiviation(Variable):
    value_type, entity, definition_period = float, Annee, periods.YEAR

    def formula(annee, period):
        return annee("N_lixivie", period) * E.EF5


class EGES_fertilisation(Variable):
    value_type, entity, definition_period = float, Annee, periods.YEAR

    def formula(annee, period):
        return ((((((((((annee("N2O_directes", period) + annee("N2O_volatilisation", period))
                        + annee("N2O_lixiviation", period)) * 44.0) / 28.0) * E.PRG_N2O)
                     + annee("CO2_directes", period)) + annee("CO2_uree", period)) + annee("GES_amont_min", period))
                  + annee("GES_amont_org", period)) / 1000.0)


class Emissions_ha_ferti_Projet(Variable):
    value_type, entity, definition_period = float, Annee, periods.YEAR

    def formula(annee, period):
        return annee("EGES_fertilisation", period) / annee("Surf", period)


def main():
    n, out = int(sys.argv[1]), Path(sys.argv[2])
    tbs = TaxBenefitSystem([Annee])
    for name in E.INPUTS:
        tbs.add_variable(_input(name))
    for cls in (N2O_directes, N2O_volatilisation, N_lixivie, N2O_lixiviation, EGES_fertilisation,
                Emissions_ha_ferti_Projet):
        tbs.add_variable(cls)
    data = E.inputs(n)
    period = "2026"
    seconds, result = [], None
    for _ in range(3):
        sim = SimulationBuilder().build_default_simulation(tbs, count=n)
        for name, values in data.items():
            sim.set_input(name, period, values)
        t = time.perf_counter()
        result = {name: sim.calculate(name, period) for name in E.OUTPUTS}
        seconds.append(time.perf_counter() - t)
    dtypes = sorted({str(v.dtype) for v in result.values()})
    numpy.savez(out, **result)
    import openfisca_core
    version = getattr(openfisca_core, "__version__", None)
    if version is None:
        from importlib.metadata import version as v
        version = v("openfisca-core")
    print(json.dumps({"seconds": seconds, "dtype": dtypes, "version": version}))


if __name__ == "__main__":
    main()
