/* Models passed between the processes of a collective (maskcast/model.h's
   mc_collective), through its sums alone. */
#ifndef MC_TRAIN_EXCHANGE_H
#define MC_TRAIN_EXCHANGE_H

#include "maskcast/model.h"

/*
 * Every process of `c` calls this together, each with at most one model of
 * its own (`mine`, NULL for none) and the status of making it (`mine_st`);
 * on return all[r] (ranks entries, caller-owned) holds a copy of rank r's
 * model, read back from its model-file bytes (NULL where rank r had none),
 * the same on every process. The bytes travel through sum_double, 4 bytes
 * to a double with the other processes adding exact zeros, so the copies are
 * exact. When any process failed (or its mine_st is not MC_OK) every process
 * fails and frees what it read: the failing one with its own status and
 * message (mine_st is returned as it is, err already filled by the caller),
 * the others with MC_ERR_IO naming the process. MC_ERR_IO too when a sum
 * fails; MC_ERR_NOMEM, MC_ERR_FORMAT as mc_model_save_buffer and
 * mc_model_load_buffer.
 */
mc_status mc_model_exchange(mc_model **all, const mc_model *mine, mc_status mine_st,
                            const mc_collective *c, mc_error *err);

#endif /* MC_TRAIN_EXCHANGE_H */
