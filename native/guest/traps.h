// CPU exceptions end the probe with a PROBE-ERROR line instead of a silent
// triple fault.
#pragma once
void traps_init(void);
