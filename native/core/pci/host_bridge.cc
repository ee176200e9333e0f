// Host bridge identity (see host_bridge.h). The ids are the ones
// Firecracker's host bridge uses, which Linux binds no driver quirks to.
#include "pci/host_bridge.h"

namespace kick {

PciHostBridge::PciHostBridge() : PciFunction(PciIdentity{0x8086, 0x0d57, 0, 0x060000, 0, 0}) {}

}  // namespace kick
