"""External models a spec can call (a soil carbon model, ...), each a library with a declared
interface, and the wiring that feeds them from a dossier."""
