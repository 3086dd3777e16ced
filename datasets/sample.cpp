#include "datasets/sample.hpp"

#include <algorithm>

namespace evsnn::data {

void sort_events(std::vector<input_event>& events) {
  std::stable_sort(events.begin(), events.end(), [](const input_event& a, const input_event& b) {
    return a.time_ms < b.time_ms || (a.time_ms == b.time_ms && a.channel < b.channel);
  });
}

}  // namespace evsnn::data
