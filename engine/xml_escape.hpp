#pragma once
// xml_escape: text made safe for XML/SVG content and attribute values (& < > " escaped).
// Used by every SVG the tools write (rasters, energy charts).
#include <string>
#include <string_view>

namespace evsnn {

inline std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace evsnn
