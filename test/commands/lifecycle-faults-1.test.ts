import { failureAtEveryStep } from '../helpers/fault-loops.ts';

// Part 1 of the fault loops (the other part is lifecycle-faults-2.test.ts): two files, so both workers share them.
failureAtEveryStep(1, 2);
