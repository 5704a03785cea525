/*
 * sem_reclaim.pml -- the semaphore's reclaim of a dead holder's permits (docs/locks.md
 * section 6; io.shmkit.sync.SharedSemaphore.tryTake, ProcessSlots.reclaimDead), with a
 * reclaimer that may die at any step.
 *
 * Participants
 *   process D: dead from the start, holding the one permit in slot 0 (it may have been
 *              mid-way through what the permit guards: the data is dirty)
 *   processes R1, R2: take one permit, use it, release it
 *   killer: kills R1 or R2 at any step, or nobody
 *   1 permit, N = 2 holder slots.
 *
 * tryTake(1, reclaim): if not reclaiming and no permit is free, give up (wait); take the
 * owner word (a mutex; a dead holder's word is taken over silently, OnTakeover.SILENT);
 * if reclaiming (an owner check is due: chosen nondeterministically), free the slots of
 * dead processes; if a permit is free, add to our slot; release the owner word.
 *   -DOLD     reclaimDead: CAS the slot free, then recordRecovery and set INCONSISTENT
 *             (today's code: a reclaimer killed between the two loses the flag)
 *   default   set INCONSISTENT (and the recovery count) first, then CAS the slot free
 *
 * Properties (assertions):
 *   S1  at most PERMITS live processes hold a permit
 *   S2  a process that gets a permit after a permit holder died (and before anyone
 *       repaired and called markConsistent) finds INCONSISTENT set
 *
 * Abstractions: sequentially consistent memory; a CAS is one atomic step; the owner word
 * is one step to take (read, liveness check and CAS of the same observed value together;
 * owner_word.pml models it in detail); a slot word is read in one step; death as a
 * process stopping between any two steps ("unless"); a liveness oracle alive[].
 * tryAdd is simplified to "a slot of ours, else a free slot, from slot 0" (the home slot
 * does not matter here: the owner word serialises the takers).
 */

#define N 2
#define PERMITS 1
#define KD 1
#define K1 2
#define K2 3

#define SID(w) ((w) >> 4)
#define SCNT(w) ((w) & 15)
#define DEC(w) (SCNT(w) == 1 -> 0 : (w) - 1)

byte owner = 0;
byte slot[N];
bool flagInc = 0;      /* INCONSISTENT */
bool alive[4];

/* ghost */
byte inside = 0;       /* live processes holding a permit */
bool incs[4];
bool dirty = 0;        /* a permit holder died since the last repair */

inline cas(v, expect, newv, ok) {
  atomic { if :: v == expect -> v = newv; ok = 1 :: else -> ok = 0 fi }
}

proctype Taker(byte K) {
  byte w, i, total; bool ok, got, reclaim;
  {
    do
    :: if :: reclaim = 1 :: reclaim = 0 fi;       /* is an owner check due? */
       total = 0; i = 0;
       do :: i < N -> total = total + SCNT(slot[i]); i++ :: else -> break od;
       if
       :: !reclaim && PERMITS - total < 1 -> goto waiting
       :: else -> skip
       fi;
       atomic { (owner == 0 || !alive[owner]) -> owner = K };   /* take the owner word */
       if
       :: reclaim ->                               /* reclaimDead */
            i = 0;
            do
            :: i < N ->
                 w = slot[i];
                 if
                 :: w != 0 && SID(w) != K && !alive[SID(w)] ->
#ifdef OLD
                      cas(slot[i], w, 0, ok);
                      if
                      :: ok -> flagInc = 1         /* recordRecovery; setFlags(INCONSISTENT) */
                      :: else -> skip
                      fi
#else
                      flagInc = 1;                 /* setFlags(INCONSISTENT); recordRecovery */
                      cas(slot[i], w, 0, ok)
#endif
                 :: else -> skip
                 fi;
                 i++
            :: else -> break
            od
       :: else -> skip
       fi;
       total = 0; i = 0;
       do :: i < N -> total = total + SCNT(slot[i]); i++ :: else -> break od;
       got = 0;
       if
       :: PERMITS - total >= 1 ->                  /* tryAdd(1) */
            i = 0;
            do
            :: i < N ->
                 w = slot[i];
                 if
                 :: w != 0 && SID(w) == K -> cas(slot[i], w, w + 1, ok); if :: ok -> got = 1; break :: else -> skip fi
                 :: w == 0 -> cas(slot[i], 0, (K << 4) | 1, ok); if :: ok -> got = 1; break :: else -> i++ fi
                 :: else -> i++
                 fi
            :: else -> break
            od
       :: else -> skip
       fi;
       owner = 0;                                  /* releaseNow */
       if :: got -> break :: else -> skip fi;
waiting:
       w = 0; i = 0; total = 0; ok = 0; reclaim = 0
    od;
    atomic {                                       /* holding a permit */
      incs[K] = 1; inside++;
      assert(inside <= PERMITS);                   /* S1 */
      assert(!dirty || flagInc)                    /* S2 */
    };
    if
    :: flagInc -> atomic { dirty = 0; flagInc = 0 }   /* repair; markConsistent() */
    :: skip
    fi;
    atomic { incs[K] = 0; inside-- };
    do                                             /* release(1) */
    :: i = 0;
       do
       :: i < N && SID(slot[i]) != K -> i++
       :: i < N && SID(slot[i]) == K -> break
       :: i == N -> assert(false)
       od;
       w = slot[i];
       cas(slot[i], w, DEC(w), ok);
       if :: ok -> break :: else -> skip fi
    od
  } unless { !alive[K] }
}

proctype Killer() {
  atomic {
    if
    :: alive[K1] = 0; if :: incs[K1] -> incs[K1] = 0; inside--; dirty = 1 :: else -> skip fi
    :: alive[K2] = 0; if :: incs[K2] -> incs[K2] = 0; inside--; dirty = 1 :: else -> skip fi
    :: skip
    fi
  }
}

init {
  atomic {
    alive[KD] = 0; alive[K1] = 1; alive[K2] = 1;
    slot[0] = (KD << 4) | 1;                       /* D died holding the permit */
    dirty = 1;
    run Taker(K1);
    run Taker(K2);
    run Killer()
  }
}
