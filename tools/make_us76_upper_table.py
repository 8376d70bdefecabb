"""Write src/kaminari/earth/_us76_upper.py: density and pressure of the US Standard Atmosphere 1976
between 86 and 1,000 km geometric altitude, on a grid fine enough for log-linear interpolation.

Authority: NOAA-S/T 76-1562, "U.S. Standard Atmosphere, 1976" (NOAA, NASA, USAF, 1976), Table I
(geometric altitudes). Above 86 km the standard's densities come from a diffusive model of six
species that kaminari does not re-implement; its printed Table I is the authority.

How the table is made:
1. the profile shape between the standard's printed rows comes from the ``ussa1976`` package
   (v0.3.4), which implements the standard's species equations, evaluated on the grid below;
2. ``ussa1976`` drifts from the standard's own Table I above 100 km (density up to 6.7 % high
   at 500 km, pressure up to 6.5 % at 400 km), so its density and pressure are multiplied by a
   smooth correction factor: the log ratio of Table I to ``ussa1976`` at the Table I rows
   listed below, interpolated in altitude (PCHIP). The
   corrected table reproduces those rows exactly and follows the standard's profile between
   them. The leave-one-out check printed by this script (each row predicted from the others,
   i.e. across twice the spacing) gives 0.18 % for density and 0.49 % for pressure (at 400 km,
   predicted from 300 and 500 km); with every row in, the error between rows is a fraction
   of that, about 0.1 % at most;
3. at 86 km the table takes kaminari's own closed-form value of the lower region (the
   standard's equations, which ``ussa1976`` also uses, with a molar mass 1e-6 apart), so the
   upper table joins the lower region continuously. That value is read from
   ``kaminari.earth.atmosphere.us76`` at 86 km, which uses the lower region only (importing
   the module needs an existing ``_us76_upper``; any earlier version will do).

Run it once, from the repository root, with the test dependencies installed:

    .venv/bin/python tools/make_us76_upper_table.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import ussa1976
from scipy.interpolate import PchipInterpolator

from kaminari.earth.atmosphere import us76

OUT = Path(__file__).resolve().parents[1] / "src" / "kaminari" / "earth" / "_us76_upper.py"

# NOAA-S/T 76-1562, Table I, geometric altitude km: density kg/m^3 (4 digits as printed).
TABLE_I_DENSITY = {
    90: 3.416e-6, 91: 2.860e-6, 100: 5.604e-7, 110: 9.708e-8, 115: 4.289e-8, 120: 2.222e-8,
    130: 8.152e-9, 140: 3.831e-9, 150: 2.076e-9, 160: 1.233e-9, 175: 6.339e-10,
    180: 5.194e-10, 200: 2.541e-10, 250: 6.073e-11, 300: 1.916e-11, 350: 7.014e-12,
    400: 2.803e-12, 450: 1.184e-12, 500: 5.215e-13, 600: 1.137e-13, 700: 3.070e-14,
    800: 1.136e-14, 900: 5.759e-15, 1000: 3.561e-15,
}  # fmt: skip
# NOAA-S/T 76-1562, Table I, geometric altitude km: pressure Pa (5 digits as printed).
TABLE_I_PRESSURE = {
    90: 1.8359e-1, 91: 1.5381e-1, 100: 3.2011e-2, 110: 7.1042e-3, 115: 4.0096e-3,
    120: 2.5382e-3, 130: 1.2505e-3, 150: 4.5422e-4, 160: 3.0359e-4, 175: 1.7936e-4,
    200: 8.4736e-5, 250: 2.4767e-5, 300: 8.7704e-6, 400: 1.4518e-6, 500: 3.0236e-7,
    600: 8.2130e-8, 700: 3.1908e-8, 800: 1.7036e-8, 900: 1.0873e-8, 1000: 7.5138e-9,
}  # fmt: skip

# Spacing chosen so that log-linear interpolation adds under 0.02 % (checked below).
GRID_M = np.concatenate(
    [
        np.arange(86e3, 120e3, 250.0),
        np.arange(120e3, 150e3, 500.0),
        np.arange(150e3, 300e3, 1000.0),
        np.arange(300e3, 1000e3 + 1.0, 2000.0),
    ]
)


def _ussa(z_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ds = ussa1976.compute(z=np.asarray(z_m, dtype=float), variables=["p", "rho"])
    return np.log(ds["rho"].values), np.log(ds["p"].values)


def _correction(rows: dict[float, float], ln_ussa_at_rows: np.ndarray) -> PchipInterpolator:
    z = np.array([1e3 * k for k in rows])
    return PchipInterpolator(z, np.log(list(rows.values())) - ln_ussa_at_rows)


def _leave_one_out(rows: dict[float, float], ln_ussa_at_rows: np.ndarray) -> float:
    """Largest relative error at a Table I row when that row is left out of the correction."""
    worst = 0.0
    keys = list(rows)
    for j in range(1, len(keys) - 1):
        kept = {k: rows[k] for k in keys if k != keys[j]}
        corr = _correction(kept, np.delete(ln_ussa_at_rows, j))
        predicted = ln_ussa_at_rows[j] + corr(1e3 * keys[j])
        worst = max(worst, abs(np.expm1(predicted - np.log(rows[keys[j]]))))
    return worst


def main() -> None:
    at_86km = us76(86e3)
    density_rows = {86.0: float(at_86km.density_kgpm3), **TABLE_I_DENSITY}
    pressure_rows = {86.0: float(at_86km.pressure_pa), **TABLE_I_PRESSURE}
    ln_rho, ln_p = _ussa(GRID_M)
    ln_rho_rows, _ = _ussa(np.array([1e3 * k for k in density_rows]))
    _, ln_p_rows = _ussa(np.array([1e3 * k for k in pressure_rows]))
    ln_rho = ln_rho + _correction(density_rows, ln_rho_rows)(GRID_M)
    ln_p = ln_p + _correction(pressure_rows, ln_p_rows)(GRID_M)

    fine = np.arange(86e3, 1000e3 + 1.0, 100.0)
    ln_rho_fine, ln_p_fine = _ussa(fine)
    ln_rho_grid, ln_p_grid = _ussa(GRID_M)
    interp_rho = np.max(np.abs(np.expm1(np.interp(fine, GRID_M, ln_rho_grid) - ln_rho_fine)))
    interp_p = np.max(np.abs(np.expm1(np.interp(fine, GRID_M, ln_p_grid) - ln_p_fine)))
    print(
        f"{GRID_M.size} rows; log-linear interpolation error on a 100 m grid: "
        f"density {100 * interp_rho:.4f} %, pressure {100 * interp_p:.4f} %"
    )
    print(
        f"leave-one-out error at Table I rows: density "
        f"{100 * _leave_one_out(density_rows, ln_rho_rows):.3f} %, pressure "
        f"{100 * _leave_one_out(pressure_rows, ln_p_rows):.3f} %"
    )

    def block(name: str, values: np.ndarray, fmt: str) -> str:
        items = [format(v, fmt) for v in values]
        lines = [", ".join(items[i : i + 6]) + "," for i in range(0, len(items), 6)]
        return (
            f"{name} = np.array(\n    [\n"
            + "".join(f"        {ln}\n" for ln in lines)
            + "    ]\n)\n"
        )

    text = (
        '"""US Standard Atmosphere 1976 above 86 km: density and pressure at geometric altitudes.\n'
        "\n"
        "Generated by tools/make_us76_upper_table.py (read its docstring for the method); do not\n"
        "edit by hand. Authority: NOAA-S/T 76-1562, Table I, which these rows reproduce\n"
        "(its printed rows exactly, the profile between them from the ussa1976 package).\n"
        "Log-linear interpolation between rows adds under 0.02 %.\n"
        '"""\n\n'
        "import numpy as np\n\n"
        "# fmt: off\n"
        + block("ALT_M", GRID_M, ".1f")
        + '"""Geometric altitude of the rows, m."""\n'
        + block("DENSITY_KGPM3", np.exp(ln_rho), ".7e")
        + '"""Mass density, kg/m^3."""\n'
        + block("PRESSURE_PA", np.exp(ln_p), ".7e")
        + '"""Pressure, Pa."""\n'
    )
    OUT.write_text(text)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
