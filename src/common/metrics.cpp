#include "common/metrics.h"

namespace syncline {

Metrics& metrics() {
  static Metrics m;
  return m;
}

}  // namespace syncline
