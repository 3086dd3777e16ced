#pragma once
// hdf5_handle: one owned HDF5 identifier (file, dataset, dataspace, datatype, property list), closed with
// the function it was made for — the RAII type every HDF5 reader of evsnn uses (engine/hdf5_array,
// datasets/hdf5_spikes_reader). quiet_hdf5_errors() turns off HDF5's own error printing: evsnn reports
// every failure itself, as one line naming the file and the HDF5 path.
// Invariant: valid() <=> the identifier is open and owned by this object.
#include <hdf5.h>

namespace evsnn {

class hdf5_handle {
 public:
  hdf5_handle() = default;
  hdf5_handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  hdf5_handle(const hdf5_handle&) = delete;
  hdf5_handle& operator=(const hdf5_handle&) = delete;
  hdf5_handle(hdf5_handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  hdf5_handle& operator=(hdf5_handle&& o) noexcept {
    reset();
    id_ = o.id_;
    close_ = o.close_;
    o.id_ = -1;
    return *this;
  }
  ~hdf5_handle() { reset(); }
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  void reset() {
    if (id_ >= 0 && close_ != nullptr) close_(id_);
    id_ = -1;
  }
  hid_t id_ = -1;
  herr_t (*close_)(hid_t) = nullptr;
};

inline void quiet_hdf5_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

}  // namespace evsnn
