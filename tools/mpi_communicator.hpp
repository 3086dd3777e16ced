#pragma once
// mpi_communicator: engine/communicator over MPI (OpenMPI from Debian) for `mpirun -np N evsnn train|eval`.
// launch_communicator() reads the environment an MPI launcher sets: started by mpirun/mpiexec with more than
// one rank, it initialises MPI and returns a communicator over MPI_COMM_WORLD (MPI finalised when it is
// destroyed); otherwise single_process, and MPI is never started (a plain `evsnn` pays nothing for it).
// A build without MPI (cmake -DEVSNN_MPI=OFF) started with several ranks is an input_error: every rank would
// redo the whole run and write the same files.
// Invariants: at most one communicator over MPI per process; its calls come from the thread that made it.
#include <memory>

#include "engine/communicator.hpp"

namespace evsnn::cli {

// The number of ranks the launcher announced (OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_SIZE), 1 when none.
int launcher_ranks();
std::unique_ptr<communicator> launch_communicator(int& argc, char**& argv);
// Threads a rank uses when neither the config nor --threads says: the cores divided among the ranks on this
// machine (OMPI_COMM_WORLD_LOCAL_SIZE or MPI_LOCALNRANKS), at least 1.
unsigned threads_per_rank();
// Whether this build can run over MPI.
bool built_with_mpi();

}  // namespace evsnn::cli
