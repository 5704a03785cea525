/*
 * owner_word.pml -- the owner block of shmkit's locks (docs/locks.md section 3,
 * io.shmkit.sync.OwnerWord): owner key, holder thread id, hold count, INCONSISTENT flag,
 * for the reentrant lock, with robust take-over of a dead owner.
 *
 * Participants
 *   process P: two threads, tids 1 and 2, owner key KP
 *   process Q: one thread, tid QTID (default 2: thread ids are per JVM, so a thread of
 *              another process often carries the same number as one of ours; the main
 *              thread of every JVM has the same id), owner key KQ
 *   process R: never runs; when the lock starts held by R, R is dead (it died holding
 *              the lock, or while taking it over), and its thread word X is 0, its own,
 *              or equal to one of P's or Q's (with TID_ONLY a plain number collision;
 *              otherwise R is a dead predecessor that had P's pid)
 *   killer:    kills P (both threads) or Q at any step, or nobody
 *
 * Variants (spin -D...):
 *   -DOLD       take-over as today: CAS D -> K, then write flags, thread, holds.
 *               Without it: the planned fix, CAS D -> K|TAKING, write thread, holds,
 *               flags, then release-store owner = K.
 *   -DTID_ONLY  the thread word holds Thread.threadId() alone, as today. Without it, the
 *               thread word names the process and the thread together (e.g. pid << 32 |
 *               tid32): a second fix, needed because the re-entry test "owner == K, then
 *               thread == my tid" is two reads, and between them another process's thread
 *               with the same numeric id may have taken the lock and written its id.
 *   -DREREAD    with TID_ONLY: a rejected alternative to the second fix, re-reading owner
 *               after the thread word (fails by ABA when ROUNDS >= 2).
 *   -DQTID=n    Q's thread id (default 2, equal to P's second thread; 3 = no collision).
 *   -DROUNDS=n  lock/unlock rounds per thread (default 1).
 *   -DMUTEX_ONLY  keep only assertion A1, to show that mutual exclusion itself fails.
 *   -DNO_PDEATH only Q may die.
 *
 * Properties (assertions):
 *   A1  never two live threads inside the critical section
 *   A2  a thread takes the re-entry path only if it holds the lock itself
 *   A3  unlock finds owner == K and thread == T (checkHeldByCurrentThread passes)
 *   A4  a thread entering the critical section after a holder died inside it finds
 *       INCONSISTENT set (until someone repairs and calls markConsistent)
 *   plus SPIN's own check that every run ends with all threads finished or dead (no
 *   thread waits forever: a dead owner, or a dead taker, is always taken over)
 *
 * Abstractions: sequentially consistent memory. The Java code reads and writes thread and
 * holds with opaque accesses, but every cross-word order the protocol needs is a
 * release/acquire pair: thread/holds are written before the release store (or CAS) of
 * owner, and read after a volatile read of owner that saw it; the fix must keep the final
 * "owner = K" of a take-over a release store. A CAS is one atomic step;
 * every other read or write of a word is its own step; a process dies between any two
 * steps (Promela "unless"); liveness checks are an oracle reading alive[] (the real
 * check reads /proc, and the owner-check interval is abstracted away: a waiter may
 * check at any time, which includes every timing the real one can have).
 */

#define KP 1
#define KQ 2
#define KR 3
#define TAKING 4                 /* bit 63 of the real 64-bit key */
#define PIDOF(w) ((w) & 3)       /* decode the process, ignoring TAKING */

#ifndef QTID
#define QTID 2
#endif
#ifndef ROUNDS
#define ROUNDS 1      /* lock/unlock rounds per thread */
#endif

#ifdef OLD
#define TAKE_TARGET(K) (K)
#else
#define TAKE_TARGET(K) ((K) | TAKING)
#endif

/* What thread T of process K writes to the thread word. */
#ifdef TID_ONLY
#define TW(K, T) (T)              /* Thread.threadId() alone (today's layout) */
#else
#define TW(K, T) ((K) * 4 + (T))  /* the process's identity and the thread id together */
#endif

byte owner = 0;        /* 0x00 owner key */
byte thread = 0;       /* 0x08 holder thread id */
byte holds = 0;        /* 0x10 hold count */
bool flagInc = 0;      /* 0x14 bit 0 INCONSISTENT */
bool alive[4];         /* liveness oracle, indexed by key (pid) */

/* ghost state */
byte cs = 0;           /* live threads inside the critical section */
bool incs[3];          /* thread g is inside */
bool held[3];          /* thread g holds the lock (from its acquire's return to its last unlock) */
bool dirty = 0;        /* a holder died inside the critical section and nobody repaired since */

/* The waiting loop of OwnerWord.acquire/acquireSlow, for the reentrant lock. */
inline acquire(K, T, g) {
  do
  :: cur = owner;                                        /* volatile read */
     if
     :: cur == 0 ->
          atomic { if :: owner == 0 -> owner = K; got = 1 :: else -> got = 0 fi };   /* CAS 0 -> K */
          if
          :: got -> thread = TW(K, T); holds = 1; break  /* enter(tid) */
          :: else -> skip
          fi
     :: cur == K ->
          if
          :: thread == TW(K, T) ->                       /* reenter(tid) */
#ifdef REREAD
               if                                        /* a candidate fix: re-read owner, still ours? */
               :: owner == K ->
#endif
#ifndef MUTEX_ONLY
                    assert(held[g]);                     /* A2 */
#endif
                    holds++; break
#ifdef REREAD
               :: else -> skip                           /* no: start again */
               fi
#endif
          :: else -> (owner != cur)                      /* another thread of ours holds it: wait */
          fi
     :: cur != 0 && cur != K ->                          /* another process's key, or our own K|TAKING */
          if
          :: !alive[PIDOF(cur)] ->                       /* owner check: its process is dead */
               atomic { if :: owner == cur -> owner = TAKE_TARGET(K); got = 1 :: else -> got = 0 fi };
               if
               :: got -> takeover(K, T); break
               :: else -> skip
               fi
          :: else -> (owner != cur || !alive[PIDOF(cur)])   /* wait */
          fi
     fi
  od
}

inline takeover(K, T) {
#ifdef OLD
  flagInc = 1;         /* flags: INCONSISTENT (mutex, reentrant lock) */
  thread = TW(K, T);   /* enter(tid) */
  holds = 1
#else
  thread = TW(K, T);
  holds = 1;
  flagInc = 1;
  owner = K            /* release store: the take-over is complete */
#endif
}

inline release(K, T, g) {
#ifndef MUTEX_ONLY
  assert(owner == K && thread == TW(K, T));              /* A3 */
#endif
  if
  :: holds > 1 -> holds--
  :: else ->
       holds = 0;
       thread = 0;
       atomic { owner = 0; held[g] = 0 }                 /* release store */
  fi
}

proctype Thread(byte K; byte T; byte g) {
  byte cur; bool got; byte r = 0;
  {
    do
    :: r < ROUNDS ->
         acquire(K, T, g);
         atomic {
           held[g] = 1; incs[g] = 1; cs++;
           assert(cs == 1);                              /* A1 */
           assert(!dirty || flagInc)                     /* A4 */
         };
         if
         :: acquire(K, T, g); release(K, T, g)           /* a nested lock/unlock while holding */
         :: skip
         fi;
         if
         :: flagInc -> atomic { dirty = 0; flagInc = 0 } /* repair, markConsistent() */
         :: skip
         fi;
         atomic { cs--; incs[g] = 0 };
         release(K, T, g);
         r++
    :: else -> break
    od
  } unless { !alive[K] }
}

/* Kills P (both threads) or Q at any step, or nobody. One that dies inside leaves the data dirty. */
proctype Killer() {
  atomic {
    if
    :: alive[KQ] = 0;
       if :: incs[2] -> incs[2] = 0; cs--; dirty = 1 :: else -> skip fi
#ifndef NO_PDEATH
    :: alive[KP] = 0;
       if :: incs[0] -> incs[0] = 0; cs--; dirty = 1 :: else -> skip fi;
       if :: incs[1] -> incs[1] = 0; cs--; dirty = 1 :: else -> skip fi
#endif
    :: skip
    fi
  }
}

init {
  atomic {
    alive[KP] = 1; alive[KQ] = 1; alive[KR] = 0;
    if
    :: skip                                              /* free */
    :: owner = KR                                        /* held by dead R */
#ifndef OLD
    :: owner = KR | TAKING                               /* R died while taking over */
#endif
    fi;
    if
    :: owner != 0 ->
         holds = 1; dirty = 1;
         if                                              /* whatever R's thread word X says: */
         :: thread = 0                                   /*   R died before writing it */
         :: thread = TW(KR, 1)                           /*   R's own thread */
         :: thread = TW(KP, 1)                           /*   the same as a thread of ours */
         :: thread = TW(KP, 2)                           /*   (possible when R was our pid's */
         :: thread = TW(KQ, QTID)                        /*   dead predecessor, or with thread ids alone) */
         fi
    :: else -> skip
    fi;
    run Thread(KP, 1, 0);
    run Thread(KP, 2, 1);
    run Thread(KQ, QTID, 2);
    run Killer()
  }
}
