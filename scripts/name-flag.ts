/** The lab's name when no --name is given. */
export const DEFAULT_LAB = 'egress-lab';

/** The ` --name LAB` a command line needs for this lab: nothing for the default lab. */
export const nameFlag = (lab: string) => (lab === DEFAULT_LAB ? '' : ` --name ${lab}`);
