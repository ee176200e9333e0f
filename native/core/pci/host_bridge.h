// The host bridge at 00:00.0 (class 06/00): no BARs, no interrupt. It exists
// so the guest sees a normal root complex before the devices.
#pragma once
#include "pci/config_space.h"

namespace kick {

class PciHostBridge : public PciFunction {
 public:
  PciHostBridge();
};

}  // namespace kick
